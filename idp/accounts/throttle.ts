import type { RateLimits } from '../../adapters/rate-limit/rate-limits.ts';

/**
 * The rate limits one request is subject to, and the client address they count per. The account
 * functions apply them themselves, because only they know whether an attempt failed; a route
 * passes `{ limits, ip: ctx.ip }`. Left out (CLI, seeding), nothing is limited.
 */
export interface Throttle {
  readonly limits: Pick<
    RateLimits,
    'signInByAccountAndIp' | 'signInByAccount' | 'signInByIp' | 'signUpByIp' | 'mailByAccount'
  >;
  readonly ip: string;
}

/**
 * Refuse (`RetryLaterError('RATE_LIMITED')`) a password check for `email` from this client while
 * the client, the address from this client, or the address from anywhere has no attempt left.
 * Counts nothing, so trying during a lock never makes it longer.
 */
export async function checkSignIn(throttle: Throttle, email?: string): Promise<void> {
  const { limits, ip } = throttle;
  await limits.signInByIp.check(ip);
  if (!email) return;
  await limits.signInByAccountAndIp.check(fromClient(email, ip));
  await limits.signInByAccount.check(email);
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
 * login would let an attacker go on guessing other addresses.
 */
export async function clearSignInFailures(throttle: Throttle, email: string): Promise<void> {
  await throttle.limits.signInByAccountAndIp.reward(fromClient(email, throttle.ip));
  await throttle.limits.signInByAccount.reward(email);
}

// A line break is in neither a normalised address nor an IP address: the pair is unambiguous.
function fromClient(email: string, ip: string): string {
  return `${email}\n${ip}`;
}
