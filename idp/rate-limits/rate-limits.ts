import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { hashed, type RateLimitRows, rateLimited, rateLimitRows } from './rate-limit-rows.ts';
import {
  DEFAULT_RATE_LIMIT_RULES,
  type LimitedKey,
  type RateLimitName,
  type RateLimitRule,
} from './rate-limit-rules.ts';
import { RATE_LIMIT_TABLE } from './rate-limit-table.ts';

/** One limit, keyed by whatever it counts per (an e-mail address, an IP address, a device). */
export interface RateLimit {
  /** Throws `RetryLaterError('RATE_LIMITED')` when `key` has no attempt left; counts nothing. */
  check(key: string): Promise<void>;
  /** Counts one attempt; throws `RetryLaterError('RATE_LIMITED')` when `key` had none left. */
  consume(key: string): Promise<void>;
  /** Forgets every attempt of `key`: after a successful sign-in, say. */
  reward(key: string): Promise<void>;
}

/** The IdP's limits, all stored in one PostgreSQL table so they hold across instances. */
export type RateLimits = { readonly [name in RateLimitName]: RateLimit } & {
  /**
   * Each key's `check`, in one query: throws `RetryLaterError('RATE_LIMITED')` for the first key,
   * in the order given, that has no attempt left. Otherwise returns the keys that have attempts
   * counted (those a later `rewardAll` has anything to forget of). Counts nothing.
   */
  checkAll(keys: readonly LimitedKey[]): Promise<LimitedKey[]>;
  /** Each key's `reward`, in one statement; none for an empty list. */
  rewardAll(keys: readonly LimitedKey[]): Promise<void>;
};

export interface RateLimitsOptions {
  /**
   * The ORM's own pool (`connectionPool(orm)`, adapters/db/statements.ts), which its owner ends; used
   * for this schema only: the library names its prepared statements by table, not by schema.
   */
  readonly pool: pg.Pool;
  /** The schema whose migrations created the table (`idp`). */
  readonly schema: string;
  readonly rules?: Partial<Record<RateLimitName, RateLimitRule>>;
}

/**
 * Brute-force and abuse limits backed by PostgreSQL (`RateLimiterPostgres`), so every instance
 * behind the load balancer counts into the same rows. Keys are stored as SHA-256, so the table
 * holds no e-mail or IP address. A database failure rejects with that error: the limits fail
 * closed. The callers are the account service functions, which take the limits as an argument.
 *
 * @example
 *   const limits = createRateLimits({ pool: await connectionPool(orm), schema: 'idp' });
 *   await limits.signUpByIp.consume(ctx.ip);
 */
export function createRateLimits(options: RateLimitsOptions): RateLimits {
  const pool = options.pool;
  const rules = { ...DEFAULT_RATE_LIMIT_RULES, ...options.rules };
  const table = rateLimitRows(pool, options.schema, rules);
  const limit = (name: RateLimitName, clearExpired: boolean) =>
    postgresLimit(pool, options.schema, name, rules[name], clearExpired, table);
  return {
    checkAll: (keys) => table.checkAll(keys),
    rewardAll: (keys) => table.rewardAll(keys),
    // The rows share one table: one limiter is enough to sweep the expired ones.
    signInByAccount: limit('signInByAccount', true),
    signInByAccountAndIp: limit('signInByAccountAndIp', false),
    signInByIp: limit('signInByIp', false),
    signInByDevice: limit('signInByDevice', false),
    signUpByIp: limit('signUpByIp', false),
    mailByAccount: limit('mailByAccount', false),
    secondStepByAccount: limit('secondStepByAccount', false),
  };
}

function postgresLimit(
  pool: pg.Pool,
  schema: string,
  name: RateLimitName,
  rule: RateLimitRule,
  clearExpiredByTimeout: boolean,
  table: RateLimitRows,
): RateLimit {
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    schemaName: schema,
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    clearExpiredByTimeout,
    keyPrefix: name,
    points: rule.points,
    duration: rule.durationSeconds,
  });
  const blockSeconds = rule.blockSeconds ?? 0;
  return {
    async check(key) {
      await table.checkAll([{ limit: name, key }]);
    },
    async consume(key) {
      const state = await limiter.consume(hashed(key)).catch((refusal: unknown) => {
        throw refusal instanceof RateLimiterRes ? rateLimited(refusal) : refusal;
      });
      // The attempt that used the last point starts the lock, not the one after it.
      if (state.remainingPoints === 0 && blockSeconds > 0) await limiter.block(hashed(key), blockSeconds);
    },
    async reward(key) {
      await limiter.delete(hashed(key));
    },
  };
}
