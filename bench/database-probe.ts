import pg from 'pg';

/** Cumulative database counters, by name: `transactions`, `oidc_payload reads`, `account writes`… */
export type DatabaseCounters = Record<string, number>;

/**
 * Read PostgreSQL's cumulative statistics for the bench database: transactions (every statement
 * the IdP sends outside an explicit transaction is one, so their number approximates round trips)
 * and, per table of the `idp` and `portal` schemas, index/sequential scans (reads, and the lookups of updates
 * and deletes) and rows written. Differences over a scenario, per iteration, show where its
 * queries go. PostgreSQL flushes these counters about once a second: short windows read low.
 */
export async function openDatabaseProbe(
  url: string,
): Promise<{ counters(): Promise<DatabaseCounters>; close(): Promise<void> }> {
  const client = new pg.Client(url);
  await client.connect();
  return {
    async counters() {
      const [database, tables] = await Promise.all([
        client.query<{ n: string }>(
          `select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`,
        ),
        client.query<{ relname: string; scans: string; writes: string }>(
          `select relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as scans,
                  n_tup_ins + n_tup_upd + n_tup_del as writes
             from pg_stat_user_tables where schemaname in ('idp', 'portal')`,
        ),
      ]);
      const counters: DatabaseCounters = { transactions: Number(database.rows[0]?.n ?? Number.NaN) };
      for (const row of tables.rows) {
        counters[`${row.relname} scans`] = (counters[`${row.relname} scans`] ?? 0) + Number(row.scans);
        counters[`${row.relname} rows written`] =
          (counters[`${row.relname} rows written`] ?? 0) + Number(row.writes);
      }
      return counters;
    },
    close: () => client.end(),
  };
}
