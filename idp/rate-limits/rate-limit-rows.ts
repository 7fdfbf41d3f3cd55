import { createHash } from 'node:crypto';
import { execute, query, type StatementTarget, statement } from '../../adapters/db/statements.ts';
import type { LimitedKey, RateLimitName, RateLimitRule } from './rate-limit-rules.ts';
import { libraryRowKey, RATE_LIMIT_TABLE } from './rate-limit-table.ts';
import { RetryLaterError } from './retry-later-error.ts';

/** Several limits' rows read or cleared at once: one round trip where each limiter would take one. */
export interface RateLimitRows {
  checkAll(keys: readonly LimitedKey[]): Promise<LimitedKey[]>;
  rewardAll(keys: readonly LimitedKey[]): Promise<void>;
}

/**
 * Direct access to `RateLimiterPostgres`'s rows (layout in rate-limit-table.ts), for what the
 * library only does one key per query: a password sign-in checks three limits, and a success
 * forgets two. `checkAll` decides exactly as the library's `get` + our `check` did (a live row
 * whose points reached the limit refuses, with the time its `expire` leaves); `rewardAll` deletes
 * as its `delete` does. The statements are prepared on the limiter's pool, named after its schema.
 */
export function rateLimitRows(
  pool: StatementTarget,
  schema: string,
  rules: Readonly<Record<RateLimitName, RateLimitRule>>,
): RateLimitRows {
  const table = `"${schema}"."${RATE_LIMIT_TABLE}"`;
  const read = statement(
    `${schema}.rate-limit.check-all`,
    `select key, points, expire from ${table}
      where key = any($1::text[]) and (expire > $2 or expire is null)`,
  );
  const forget = statement(
    `${schema}.rate-limit.reward-all`,
    `delete from ${table} where key = any($1::text[])`,
  );
  return {
    async checkAll(keys) {
      if (keys.length === 0) return [];
      const now = Date.now();
      const rows = await query<{ key: string; points: number; expire: string | null }>(pool, read, [
        keys.map(rowKey),
        now,
      ]);
      const live = new Map(rows.map((row) => [row.key, row]));
      const counted: LimitedKey[] = [];
      for (const limited of keys) {
        const row = live.get(rowKey(limited));
        if (!row) continue;
        if (row.points >= rules[limited.limit].points) {
          // bigint comes back as text; null: a row without end, which never lifts by itself.
          throw rateLimited({
            msBeforeNext: row.expire === null ? -1 : Math.max(Number(row.expire) - now, 0),
          });
        }
        counted.push(limited);
      }
      return counted;
    },
    async rewardAll(keys) {
      if (keys.length === 0) return;
      await execute(pool, forget, [keys.map(rowKey)]);
    },
  };
}

/** The row's key as the library writes it, our prefix the limit's name. */
function rowKey(limited: LimitedKey): string {
  return libraryRowKey(limited.limit, hashed(limited.key));
}

/** Keys are stored as SHA-256, so the table holds no e-mail or IP address. */
export function hashed(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** The refusal, saying how long until the window or the lock ends. */
export function rateLimited(state: { msBeforeNext: number }): RetryLaterError<'RATE_LIMITED'> {
  const seconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  const minutes = Math.ceil(seconds / 60);
  const wait = minutes === 1 ? '1 minute' : `${minutes} minutes`;
  return new RetryLaterError('RATE_LIMITED', `Too many attempts. Try again in ${wait}.`, seconds);
}
