import { z } from 'zod';
import type { Database } from '../../adapters/db/database.ts';
import { parseForm } from '../../adapters/http/forms.ts';
import { Account } from './account.entity.ts';
import { EmailNotVerifiedError, invalidCredentials } from './account-errors.ts';
import { accountForSignIn } from './account-rows.ts';
import { normaliseEmailOrUndefined } from './email-address.ts';
import { hashPassword, needsRehash, verifyPassword } from './password.ts';
import { checkSignInAttempt, clearSignInFailures, countFailedAttempt, type Throttle } from './throttle.ts';

// An argon2id hash, with today's parameters, of a random password nobody knows. Verifying against
// it when the e-mail is unknown costs what a real check costs, so response time does not tell
// which addresses have accounts (OWASP Authentication Cheat Sheet, "Authentication Responses").
const UNKNOWN_ACCOUNT_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$qTBXkeY+246ibTtTCpJe/Q$7GYZlXYY9Pqjrc3owtiGbH3KIle75Ev4Rn03txeAFec';

/** The sign-in form: e-mail and password, both as typed (the address is normalised to look it up). */
export const signInForm = z.object({ email: z.string(), password: z.string() });

/** What the sign-in form sends, and the limits its failures count against. */
export type SignInInput = z.input<typeof signInForm> & { readonly throttle?: Throttle };

/**
 * Check an e-mail and password and return the account. Unknown e-mail and wrong password both
 * throw `AppError('INVALID_CREDENTIALS', 401)` after the same work. The right password on an
 * unverified address throws `EmailNotVerifiedError` (403, `accountId`, `email`): the route sends
 * the person to the code page and calls `resendVerification`. A hash made with older parameters
 * is replaced on success.
 *
 * With `throttle` (ASVS 2.2.1, NIST SP 800-63B §5.2.2): from an unknown device, refused while
 * `signInByIp`, `signInByAccountAndIp` or `signInByAccount` is exhausted
 * (`RetryLaterError('RATE_LIMITED')`, before any password check); each failure counts against all
 * three, for unknown addresses too; success clears the address's counts (not the IP's: see
 * `clearSignInFailures`). From a device that signed in to the account before (`knownDevice`),
 * only that device's own budget counts (`checkSignInAttempt`). The usual sign-in, right password
 * and nothing counted, makes two queries: the account, the limits.
 */
export async function authenticate(db: Database, input: SignInInput, now = new Date()): Promise<SignedIn> {
  const form = parseForm(signInForm, input);
  const email = normaliseEmailOrUndefined(form.email);
  const { throttle } = input;
  // The account first: a device cookie is trusted only for the account it was issued to.
  const account = email ? await accountForSignIn(db, email) : undefined;
  const attempt = throttle ? await checkSignInAttempt(throttle, email, account?.id) : undefined;
  const matches = await verifyPassword(account?.passwordHash ?? UNKNOWN_ACCOUNT_HASH, form.password);
  if (!account || !matches) {
    if (throttle && attempt) await countFailedAttempt(throttle, attempt, email);
    throw invalidCredentials();
  }
  if (throttle && attempt) await clearSignInFailures(throttle, attempt.counted);
  if (!account.emailVerified) throw new EmailNotVerifiedError(account);
  if (needsRehash(account.passwordHash)) await rehash(db, account.id, form.password, now);
  return { id: account.id, email: account.email };
}

/** The account whose password was right. */
export interface SignedIn {
  readonly id: string;
  readonly email: string;
}

// OWASP Password Storage Cheat Sheet, "Upgrading legacy hashes": rehash while the password is known.
async function rehash(db: Database, id: string, password: string, now: Date): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.em.fork().transactional(async (tx) => {
    await tx.nativeUpdate(Account, { id }, { passwordHash, updatedAt: now });
  });
}
