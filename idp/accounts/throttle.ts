import type { LimitedKey, RateLimits } from '../../adapters/rate-limit/rate-limits.ts';

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
    | 'signUpByIp'
    | 'mailByAccount'
    | 'checkAll'
    | 'rewardAll'
  >;
  readonly ip: string;
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
 * The right password: the address's failures are forgotten. The client's are not, or one valid
 * login would let an attacker go on guessing other addresses. Only the counts `checkSignIn` saw
 * are deleted, so the usual sign-in, with none, costs no query here. A failure counted by someone
 * else between that check and now stays counted: the stricter way to lose that race.
 */
export async function clearSignInFailures(throttle: Throttle, counted: SignInCounts): Promise<void> {
  await throttle.limits.rewardAll(counted.filter((counts) => counts.limit !== 'signInByIp'));
}

// A line break is in neither a normalised address nor an IP address: the pair is unambiguous.
function fromClient(email: string, ip: string): string {
  return `${email}\n${ip}`;
}
