import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { parseForm } from '../../adapters/http/forms.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { Account, EmailSecret } from './account.entity.ts';
import { codeError, resendCooldown } from './account-errors.ts';
import { verificationCodeMail } from './account-mails.ts';
import { normaliseEmail, normaliseEmailOrUndefined } from './email-address.ts';
import { codeMatches, issueVerificationCode, VERIFICATION_CODE } from './email-secrets.ts';
import { restartMailCooldown, startMailCooldown } from './mail-cooldown.ts';
import { MAIL_REQUEST_MIN_MS, withMinimumDuration } from './steady-duration.ts';
import type { Throttle } from './throttle.ts';

type Refusal = 'CODE_INVALID' | 'CODE_EXPIRED' | 'CODE_ATTEMPTS_EXCEEDED';

/** A password hash chosen at a sign-up of `email` that found the address already taken, unverified. */
export interface ChosenPassword {
  readonly email: string;
  readonly passwordHash: string;
}

/** The "enter your code" form: the address (a hidden field) and the 6-digit code as typed. */
export const verifyForm = z.object({ email: z.string(), code: z.string().trim() });

/** What the "enter your code" form sends; the limits; the password a sign-up here chose. */
export type VerifyInput = z.input<typeof verifyForm> & {
  readonly throttle?: Throttle;
  /** The password chosen where the code is entered, to set if `email` is this one's. */
  readonly chosenPassword?: ChosenPassword;
};

/** "Send a new code": the address (a hidden field). */
export const resendForm = z.object({ email: z.string() });

/** What "Send a new code" sends, and the limits. */
export type ResendInput = z.input<typeof resendForm> & { readonly throttle?: Throttle };

/**
 * Check the code typed on the "enter your code" page. The right code marks the address verified,
 * uses the code up and returns the account (the route signs the person in). A wrong one counts an
 * attempt, committed even though the call throws; the 5th wrong one, or 15 minutes, kills the
 * code. Throws `CODE_INVALID` (also for an unknown address, to reveal nothing), `CODE_EXPIRED` or
 * `CODE_ATTEMPTS_EXCEEDED`. With `throttle`, refused codes count against `signInByIp`.
 *
 * With `chosenPassword` (the sign-up where the code is entered found the address taken by an
 * unverified account), the right code also sets that password: whoever proves the mailbox owns the
 * credentials, so one who signed up with someone else's address first cannot sign in once its
 * owner verifies it (account pre-hijacking, Sudhodanan & Paverd, USENIX Security 2022).
 */
export async function verifyEmail(em: EntityManager, input: VerifyInput, now = new Date()): Promise<Account> {
  if (input.throttle) await input.throttle.limits.signInByIp.check(input.throttle.ip);
  const form = parseForm(verifyForm, input);
  const email = normaliseEmailOrUndefined(form.email);
  const outcome = await em.transactional(async (tx): Promise<Account | Refusal> => {
    const account = email ? await tx.findOne(Account, { email }) : null;
    if (!account) return 'CODE_INVALID';
    // Locked, so parallel guesses are counted one after the other and cannot overrun the limit.
    const secret = await tx.findOne(
      EmailSecret,
      { account, purpose: 'verify-email', consumedAt: null },
      { orderBy: { createdAt: 'desc' }, lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!secret) return 'CODE_INVALID';
    const outcome = check(secret, account, form.code, now);
    if (typeof outcome !== 'string' && input.chosenPassword?.email === account.email) {
      outcome.passwordHash = input.chosenPassword.passwordHash;
      outcome.sessionsValidAfter = now;
    }
    return outcome;
  });
  if (typeof outcome !== 'string') return outcome;
  if (input.throttle) await input.throttle.limits.signInByIp.consume(input.throttle.ip);
  throw codeError(outcome);
}

function check(secret: EmailSecret, account: Account, code: string, now: Date): Account | Refusal {
  if (secret.expiresAt.getTime() <= now.getTime()) return 'CODE_EXPIRED';
  if (secret.attempts >= VERIFICATION_CODE.maxAttempts) return 'CODE_ATTEMPTS_EXCEEDED';
  if (!codeMatches(secret, code)) {
    secret.attempts += 1;
    return secret.attempts >= VERIFICATION_CODE.maxAttempts ? 'CODE_ATTEMPTS_EXCEEDED' : 'CODE_INVALID';
  }
  secret.consumedAt = now;
  account.emailVerified = true;
  return account;
}

/**
 * Mail a new code to an unverified address; earlier codes stop working. At most one a minute per
 * address: sooner throws `RetryLaterError('RESEND_COOLDOWN')` with the seconds left. Unknown and
 * already verified addresses get no mail and the same answers, cooldown included, so the page
 * reveals nothing (the cooldown is kept per address, not per account), nor does its timing
 * (`MAIL_REQUEST_MIN_MS`). With `throttle`, counts against `mailByAccount`.
 */
export async function resendVerification(
  em: EntityManager,
  input: ResendInput,
  now = new Date(),
): Promise<void> {
  const email = normaliseEmail(parseForm(resendForm, input).email);
  if (input.throttle) await input.throttle.limits.mailByAccount.consume(email);
  // Issuing a code takes a few milliseconds that an unknown address does not: hidden by the floor.
  const wait = await withMinimumDuration(MAIL_REQUEST_MIN_MS, () =>
    em.transactional(async (tx) => {
      const seconds = await startMailCooldown(tx, email, 'verify-email', now);
      if (seconds > 0) return seconds;
      const account = await tx.findOne(Account, { email });
      if (account && !account.emailVerified) await sendVerificationCode(tx, account, now);
      return 0;
    }),
  );
  if (wait > 0) throw resendCooldown(wait);
}

/**
 * Issue a code for `account` and put its mail in the outbox, in the caller's transaction; the
 * resend cooldown starts now. Used by sign-up and resend.
 */
export async function sendVerificationCode(em: EntityManager, account: Account, now: Date): Promise<void> {
  const code = await issueVerificationCode(em, account, now);
  await restartMailCooldown(em, account.email, 'verify-email', now);
  enqueueMail(em, verificationCodeMail(account.email, code));
}
