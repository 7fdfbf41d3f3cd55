import { AppError } from '../../adapters/http/errors.ts';
import type { IdpErrorCode } from '../idp-errors.ts';
import { RetryLaterError } from '../rate-limits/retry-later-error.ts';

/**
 * The words the person sees for the account functions' refusals, by code; a password change
 * says `CURRENT_PASSWORD_INCORRECT` with the code `INVALID_CREDENTIALS`.
 */
export const ACCOUNT_ERRORS = {
  // One message for unknown e-mail and wrong password: no account enumeration (ASVS 2.2.1,
  // OWASP Authentication Cheat Sheet "Authentication and Error Messages").
  INVALID_CREDENTIALS: 'The e-mail or password is incorrect.',
  CURRENT_PASSWORD_INCORRECT: 'Your current password is incorrect.',
  EMAIL_NOT_VERIFIED: 'Verify your e-mail address to sign in: enter the code we sent you.',
  CODE_INVALID: 'This code is not correct. Check the latest e-mail we sent you and try again.',
  CODE_EXPIRED: 'This code has expired. Ask for a new one.',
  CODE_ATTEMPTS_EXCEEDED: 'Too many wrong codes. Ask for a new one.',
  RESET_LINK_INVALID: 'This password reset link is not valid or has expired. Ask for a new one.',
  NOT_FOUND: 'This account does not exist.',
} as const satisfies Partial<Record<IdpErrorCode | 'CURRENT_PASSWORD_INCORRECT', string>>;

/** The e-mail or the password is wrong; which one is never said (status 401). */
export function invalidCredentials(fields?: Record<string, string>): AppError<'INVALID_CREDENTIALS'> {
  return new AppError('INVALID_CREDENTIALS', 401, ACCOUNT_ERRORS.INVALID_CREDENTIALS, { fields });
}

/** A verification code was refused: wrong, expired or out of attempts (status 400). */
export function codeError<C extends 'CODE_INVALID' | 'CODE_EXPIRED' | 'CODE_ATTEMPTS_EXCEEDED'>(
  code: C,
): AppError<C> {
  return new AppError(code, 400, ACCOUNT_ERRORS[code], { fields: { code: ACCOUNT_ERRORS[code] } });
}

/** The reset link is unknown, used or expired: one answer for all three (status 400). */
export function resetLinkInvalid(): AppError<'RESET_LINK_INVALID'> {
  return new AppError('RESET_LINK_INVALID', 400, ACCOUNT_ERRORS.RESET_LINK_INVALID);
}

/** No account has this id (status 404). */
export function accountNotFound(): AppError<'NOT_FOUND'> {
  return new AppError('NOT_FOUND', 404, ACCOUNT_ERRORS.NOT_FOUND);
}

/**
 * The password was right but the address was never verified (status 403). Thrown only after the
 * password matched, so it reveals the account to its owner alone. Carries the account so the
 * route can send the person to the code page (and call `resendVerification`).
 */
export class EmailNotVerifiedError extends AppError<'EMAIL_NOT_VERIFIED'> {
  readonly accountId: string;
  readonly email: string;

  constructor(account: { id: string; email: string }) {
    super('EMAIL_NOT_VERIFIED', 403, ACCOUNT_ERRORS.EMAIL_NOT_VERIFIED);
    this.name = 'EmailNotVerifiedError';
    this.accountId = account.id;
    this.email = account.email;
  }
}

/** A new code was asked for too soon after the last one (status 429, with `retryAfterSeconds`). */
export function resendCooldown(seconds: number): RetryLaterError<'RESEND_COOLDOWN'> {
  const unit = seconds === 1 ? 'second' : 'seconds';
  return new RetryLaterError(
    'RESEND_COOLDOWN',
    `Please wait ${seconds} ${unit} before asking for another code.`,
    seconds,
  );
}
