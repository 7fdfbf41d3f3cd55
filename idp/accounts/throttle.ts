import { isAppError } from '../../adapters/http/errors.ts';
import type { LimitedKey } from '../rate-limits/rate-limit-rules.ts';
import type { RateLimits } from '../rate-limits/rate-limits.ts';

/**
 * The rate limits one request is subject to, and the client address they count per. The account
 * functions apply them themselves, because only they know whether an attempt failed; a route
 * passes `{ limits, ip: ctx.ip }`. Left out (CLI, seeding), nothing is limited.
 */
export interface Throttle {
  readonly limits: Pick<
    RateLimits,
    | 'signInByAccountAndIp'
    | 'signInByAccount'
    | 'signInByIp'
    | 'signInByDevice'
    | 'signUpByIp'
    | 'mailByAccount'
    | 'checkAll'
    | 'rewardAll'
  >;
  readonly ip: string;
  /**
   * The device this browser proved, by a genuine device cookie, to have signed in as `login`
   * before; unset or `undefined`: an unknown device (interactions/device-cookie.ts).
   */
  readonly knownDevice?: (login: string) => KnownDevice | undefined;
}

/** A browser's device cookie, verified: the account it signed in to and the cookie's nonce. */
export interface KnownDevice {
  readonly accountId: string;
  readonly nonce: string;
}

/** How one password attempt counts: on a known device's own budget, or as an unknown device. */
export interface SignInAttempt {
  /** The nonce of the known device whose budget the attempt counts on; unset: unknown device. */
  readonly device?: string;
  readonly counted: SignInCounts;
}

/** What `checkSignIn` found: the limits that have failures counted, for `clearSignInFailures`. */
export type SignInCounts = readonly LimitedKey[];

/**
 * Refuse (`RetryLaterError('RATE_LIMITED')`) a password check for `email` from this client while
 * the client, the address from this client, or the address from anywhere has no attempt left.
 * Counts nothing, so trying during a lock never makes it longer. One query for all three.
 */
export async function checkSignIn(throttle: Throttle, email?: string): Promise<SignInCounts> {
  const { limits, ip } = throttle;
  const keys: LimitedKey[] = [{ limit: 'signInByIp', key: ip }];
  if (email) {
    keys.push({ limit: 'signInByAccountAndIp', key: fromClient(email, ip) });
    keys.push({ limit: 'signInByAccount', key: email });
  }
  return limits.checkAll(keys);
}

/** Count a wrong password against the client, the address from this client and the address. */
export async function countSignInFailure(throttle: Throttle, email?: string): Promise<void> {
  const { limits, ip } = throttle;
  await limits.signInByIp.consume(ip);
  if (!email) return;
  await limits.signInByAccountAndIp.consume(fromClient(email, ip));
  await limits.signInByAccount.consume(email);
}

/**
 * The right password: the address's failures are forgotten (from a known device: that device's
 * only, so the owner signing in does not give guessers elsewhere a fresh budget). The client's are not, or one valid
 * login would let an attacker go on guessing other addresses. Only the counts `checkSignIn` saw
 * are deleted, so the usual sign-in, with none, costs no query here. A failure counted by someone
 * else between that check and now stays counted: the stricter way to lose that race.
 */
export async function clearSignInFailures(throttle: Throttle, counted: SignInCounts): Promise<void> {
  await throttle.limits.rewardAll(counted.filter((counts) => counts.limit !== 'signInByIp'));
}

/**
 * OWASP "Slow down online guessing attacks with device cookies": an attempt from a device that
 * signed in to `accountId` before counts only against that device's budget (`signInByDevice`,
 * per nonce), so guesses from anywhere else never lock the owner out of it. A device whose budget
 * is used up is in the lockout list: its cookie is no longer trusted, and it is limited as an
 * unknown device (`checkSignIn`), as is a cookie for another account or none. One query either way
 * but for a locked device (two).
 */
export async function checkSignInAttempt(
  throttle: Throttle,
  email: string | undefined,
  accountId: string | undefined,
): Promise<SignInAttempt> {
  const device = email && accountId ? throttle.knownDevice?.(email) : undefined;
  if (device && device.accountId === accountId) {
    try {
      const counted = await throttle.limits.checkAll([{ limit: 'signInByDevice', key: device.nonce }]);
      return { device: device.nonce, counted };
    } catch (error) {
      if (!isAppError(error, 'RATE_LIMITED')) throw error;
    }
  }
  return { counted: await checkSignIn(throttle, email) };
}

/** A wrong password: against the known device's budget, or the unknown devices' limits. */
export async function countFailedAttempt(
  throttle: Throttle,
  attempt: SignInAttempt,
  email?: string,
): Promise<void> {
  if (attempt.device) await throttle.limits.signInByDevice.consume(attempt.device);
  else await countSignInFailure(throttle, email);
}

// A line break is in neither a normalised address nor an IP address: the pair is unambiguous.
function fromClient(email: string, ip: string): string {
  return `${email}\n${ip}`;
}
