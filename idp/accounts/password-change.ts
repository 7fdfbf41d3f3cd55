import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AppError } from '../../adapters/http/errors.ts';
import { invalidInput, parseForm } from '../../adapters/http/forms.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { Account } from './account.entity.ts';
import { ACCOUNT_ERRORS, accountNotFound } from './account-errors.ts';
import { passwordChangedMail } from './account-mails.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.ts';
import { findAccount } from './profile.ts';
import { checkSignIn, countSignInFailure, type Throttle } from './throttle.ts';

/** The password form of the account page. */
export const passwordChangeForm = z.object({ currentPassword: z.string(), newPassword: z.string() });

/** What the password form sends, and the limits wrong current passwords count against. */
export type PasswordChangeInput = z.input<typeof passwordChangeForm> & { readonly throttle?: Throttle };

/**
 * Change a signed-in person's password. The current password is required (ASVS 2.1.5), so a
 * stolen session alone cannot take the account: a wrong one throws
 * `AppError('INVALID_CREDENTIALS', 401)` with a `currentPassword` field message; a new password
 * the policy refuses throws `INVALID_INPUT` with a `newPassword` field message. On success every
 * session and token issued before `now` stops being honoured (`sessionsValidAfter`): the route
 * re-establishes the current session. The owner is told by mail (ASVS 2.2.3). With `throttle`,
 * wrong current passwords count against the sign-in limits like failed sign-ins.
 *
 * @example
 *   await changePassword(em, session.accountId, { currentPassword, newPassword, throttle });
 */
export async function changePassword(
  em: EntityManager,
  accountId: string,
  input: PasswordChangeInput,
  now = new Date(),
): Promise<Account> {
  const { currentPassword, newPassword } = parseForm(passwordChangeForm, input);
  const account = await checkCurrentPassword(em, accountId, currentPassword, input.throttle);
  const problem = await checkPasswordPolicy(newPassword, account);
  if (problem) throw invalidInput({ newPassword: problem });
  const passwordHash = await hashPassword(newPassword);
  return em.transactional(async (tx) => {
    const current = await tx.findOneOrFail(Account, { id: accountId });
    current.passwordHash = passwordHash;
    current.sessionsValidAfter = now;
    enqueueMail(tx, passwordChangedMail(current.email));
    return current;
  });
}

/**
 * A signed-in person proves they are the owner before a change that could take the account
 * (ASVS 6.2.3): the current password, counted against the sign-in limits like a sign-in when
 * `throttle` is given. Wrong: `AppError('INVALID_CREDENTIALS', 401)` with a `currentPassword`
 * field message.
 */
export async function checkCurrentPassword(
  em: EntityManager,
  accountId: string,
  currentPassword: string,
  throttle?: Throttle,
  /** The form field the refusal names. */
  field = 'currentPassword',
): Promise<Account> {
  const account = await findAccount(em, accountId);
  if (!account) throw accountNotFound();
  await em.populate(account, ['passwordHash']);
  if (throttle) await checkSignIn(throttle, account.email);
  if (!(await verifyPassword(account.passwordHash, currentPassword))) {
    if (throttle) await countSignInFailure(throttle, account.email);
    const message = ACCOUNT_ERRORS.CURRENT_PASSWORD_INCORRECT;
    throw new AppError('INVALID_CREDENTIALS', 401, message, { fields: { [field]: message } });
  }
  return account;
}
