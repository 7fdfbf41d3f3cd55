import { AppError } from '../../adapters/http/errors.ts';

/** The words the person sees when a second factor or a change to one is refused, by code. */
export const SECOND_FACTOR_ERRORS = {
  SECOND_FACTOR_CODE_INVALID:
    'This code is not correct. Enter the 6-digit code your authenticator app shows now.',
  SECOND_FACTOR_CODE_USED: 'This code was used already. Wait for the next code in your authenticator app.',
  RECOVERY_CODE_INVALID: 'This recovery code is not correct or was used already.',
  PASSKEY_REFUSED: 'The passkey could not be verified. Try again, or use another way to sign in.',
  PASSKEY_UNKNOWN: 'This passkey is not registered with any account here.',
  NOT_FOUND: 'This passkey does not exist.',
} as const;

/** A wrong (or malformed) TOTP code; said on the code field (status 400). */
export function totpCodeInvalid(message: string = SECOND_FACTOR_ERRORS.SECOND_FACTOR_CODE_INVALID) {
  return new AppError('SECOND_FACTOR_CODE_INVALID', 400, message, { fields: { code: message } });
}

/** The right code, but accepted once already in its time window: RFC 6238 §5.2 (status 400). */
export function totpCodeUsed() {
  const message = SECOND_FACTOR_ERRORS.SECOND_FACTOR_CODE_USED;
  return new AppError('SECOND_FACTOR_CODE_USED', 400, message, { fields: { code: message } });
}

/** A wrong, used or malformed recovery code (status 400). */
export function recoveryCodeInvalid(message: string = SECOND_FACTOR_ERRORS.RECOVERY_CODE_INVALID) {
  return new AppError('RECOVERY_CODE_INVALID', 400, message, { fields: { recoveryCode: message } });
}

/** A WebAuthn response that does not verify: tampered, replayed, foreign origin or RP ID (status 400). */
export function passkeyRefused(cause?: unknown, message: string = SECOND_FACTOR_ERRORS.PASSKEY_REFUSED) {
  return new AppError('PASSKEY_REFUSED', 400, message, { cause });
}

/** A credential no account here registered (status 400). */
export function passkeyUnknown() {
  return new AppError('PASSKEY_UNKNOWN', 400, SECOND_FACTOR_ERRORS.PASSKEY_UNKNOWN);
}

/** No passkey of this account has this id (status 404). */
export function passkeyNotFound() {
  return new AppError('NOT_FOUND', 404, SECOND_FACTOR_ERRORS.NOT_FOUND);
}
