import type { RateLimits } from '../../adapters/rate-limit/rate-limits.ts';

/**
 * The rate limits one request is subject to, and the client address they count per. The account
 * functions apply them themselves, because only they know whether an attempt failed; a route
 * passes `{ limits, ip: ctx.ip }`. Left out (CLI, seeding), nothing is limited.
 */
export interface Throttle {
  readonly limits: Pick<RateLimits, 'signInByAccount' | 'signInByIp' | 'signUpByIp' | 'mailByAccount'>;
  readonly ip: string;
}
