// What Gatehouse leans on of rate-limiter-flexible's internals (version 11), all here: its table,
// the meaning of its columns and how it writes a row's key. test/idp/rate-limits.test.ts reads the
// rows the library writes and fails if an upgrade lays them out otherwise.

/** The one table every limiter of a service shares; rows are told apart by the limiter's key prefix. */
export const RATE_LIMIT_TABLE = 'rate_limit';

/**
 * The table `RateLimiterPostgres` reads and writes (its own `CREATE TABLE`, made a committed
 * migration so no instance runs DDL at start-up). Unqualified: `sqlMigration` runs it in the
 * owning service's schema. rate-limit-rows.ts reads and deletes rows itself, so the layout the
 * library (rate-limiter-flexible 11) gives them is ours to keep in step with:
 *
 * - `key`: `<limit name>:<base64url SHA-256 of what it counts per>` (`libraryRowKey`: the
 *   limiter's `keyPrefix`, a colon, the key we hand it, which is already hashed);
 * - `points`: attempts counted in the current window; a lock (`block`) sets it to the limit + 1;
 * - `expire`: epoch milliseconds when the window or the lock ends; `null` never. A row whose
 *   `expire` has passed counts for nothing (the next attempt starts it afresh): it is not "live".
 *
 * The library prepares its statements on the pool it is given (the ORM's own: rate-limits.ts)
 * under the names `rate_limit:rlflx-…`, which no statement of ours may take.
 */
export const rateLimitTable: readonly string[] = [
  `create table ${RATE_LIMIT_TABLE} (
    key text primary key,
    points integer not null default 0,
    expire bigint
  )`,
  // The library deletes expired rows every 5 minutes by `expire`.
  `create index ${RATE_LIMIT_TABLE}_expire_idx on ${RATE_LIMIT_TABLE} (expire)`,
];

/** A row's `key` as the library writes it: the limiter's `keyPrefix`, a colon, the key it was given. */
export function libraryRowKey(keyPrefix: string, key: string): string {
  return `${keyPrefix}:${key}`;
}
