import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { invalidInput, parseForm } from '../../adapters/http/forms.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { Account, EmailSecret } from './account.entity.ts';
import { resetLinkInvalid } from './account-errors.ts';
import { passwordChangedMail, passwordResetMail } from './account-mails.ts';
import { normaliseEmail } from './email-address.ts';
import { issueResetToken, resetTokenHash, retireSecrets } from './email-secrets.ts';
import { startMailCooldown } from './mail-cooldown.ts';
import { checkPasswordPolicy, hashPassword } from './password.ts';
import { MAIL_REQUEST_MIN_MS, withMinimumDuration } from './steady-duration.ts';
import type { Throttle } from './throttle.ts';

/** The "Forgot password" form: the address of the account. */
export const forgotPasswordForm = z.object({ email: z.string() });

/** What the "Forgot password" form sends; the link to mail, given its token; the limits. */
export type PasswordResetRequest = z.input<typeof forgotPasswordForm> & {
  readonly resetUrl: (token: string) => string;
  readonly throttle?: Throttle;
};

/** The "Choose a new password" form: the link's token, kept in the form, and the new password. */
export const resetPasswordForm = z.object({ token: z.string(), newPassword: z.string() });

/** What the "Choose a new password" form sends. */
export type PasswordResetInput = z.input<typeof resetPasswordForm>;

/**
 * "Forgot password": mail a single-use link, valid 30 minutes, to the account with this address,
 * verified or not (the link proves the mailbox). Earlier links stop working. An unknown address
 * gets no mail and the same answer, in the same time (OWASP Forgot Password Cheat Sheet:
 * "consistent message", "consistent response time").
 * One mail a minute per address at most; repeats within the minute are silently dropped, as the
 * first link still works. With `throttle`, counts against `mailByAccount`.
 *
 * @example
 *   await requestPasswordReset(em, { email, resetUrl: (t) => `${issuer}/reset/${t}`, throttle });
 */
export async function requestPasswordReset(
  em: EntityManager,
  input: PasswordResetRequest,
  now = new Date(),
): Promise<void> {
  // The address's own message (not "Some fields need your attention") heads the page.
  const email = normaliseEmail(parseForm(forgotPasswordForm, input).email);
  if (input.throttle) await input.throttle.limits.mailByAccount.consume(email);
  // Issuing a link takes a few milliseconds that an unknown address does not: hidden by the floor.
  await withMinimumDuration(MAIL_REQUEST_MIN_MS, () =>
    em.transactional(async (tx) => {
      if ((await startMailCooldown(tx, email, 'reset-password', now)) > 0) return;
      const account = await tx.findOne(Account, { email });
      if (!account) return;
      const token = await issueResetToken(tx, account, now);
      enqueueMail(tx, passwordResetMail(email, input.resetUrl(token)));
    }),
  );
}

/**
 * Set a new password from a reset link. The link works once and for 30 minutes: unknown, used and
 * expired links all throw `AppError('RESET_LINK_INVALID', 400)`. A password the policy refuses
 * throws `INVALID_INPUT` (`newPassword` field) and leaves the link usable. On success the address
 * counts as verified (the person proved they read its mail), earlier sessions and tokens end
 * (`sessionsValidAfter`), pending codes and links die, and the owner is told by mail.
 *
 * @example
 *   const account = await resetPassword(em, { token: ctx.params.token, newPassword });
 */
export async function resetPassword(
  em: EntityManager,
  input: PasswordResetInput,
  now = new Date(),
): Promise<Account> {
  const { token, newPassword } = parseForm(resetPasswordForm, input);
  const secretHash = resetTokenHash(token);
  const found = await em.findOne(
    EmailSecret,
    { secretHash, purpose: 'reset-password' },
    { populate: ['account'] },
  );
  if (!found || !usable(found, now)) throw resetLinkInvalid();
  const problem = await checkPasswordPolicy(newPassword, found.account);
  if (problem) throw invalidInput({ newPassword: problem });
  const passwordHash = await hashPassword(newPassword);
  return em.transactional(async (tx) => {
    // Locked and checked again: two tabs submitting the same link cannot both use it.
    const secret = await tx.findOne(
      EmailSecret,
      { secretHash, purpose: 'reset-password' },
      { populate: ['account'], lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!secret || !usable(secret, now)) throw resetLinkInvalid();
    const account = secret.account;
    secret.consumedAt = now;
    account.passwordHash = passwordHash;
    account.emailVerified = true;
    account.sessionsValidAfter = now;
    await retireSecrets(tx, account, 'verify-email', now);
    await retireSecrets(tx, account, 'reset-password', now);
    enqueueMail(tx, passwordChangedMail(account.email));
    return account;
  });
}

function usable(secret: EmailSecret, now: Date): boolean {
  return secret.consumedAt == null && secret.expiresAt.getTime() > now.getTime();
}
