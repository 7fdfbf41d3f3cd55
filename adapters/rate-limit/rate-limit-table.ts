/** The one table every limiter of a service shares; rows are told apart by the limiter's key prefix. */
export const RATE_LIMIT_TABLE = 'rate_limit';

/**
 * The table `RateLimiterPostgres` reads and writes (its own `CREATE TABLE`, made a committed
 * migration so no instance runs DDL at start-up). Unqualified: `sqlMigration` runs it in the
 * owning service's schema. `expire` is epoch milliseconds, as the library writes it.
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
