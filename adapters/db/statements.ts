import type { Pool, QueryResultRow } from 'pg';
import type { Database } from './database.ts';

/**
 * A named SQL statement with `$1…` placeholders, for the few queries every request makes. It is
 * sent as a prepared statement on the ORM's own connection pool: PostgreSQL parses and plans it
 * once per connection instead of once per request, and no query builder runs in between.
 *
 * @example
 *   const FIND = statement('session.find', 'select data from portal.portal_session where id_hash = $1');
 *   const rows = await query<{ data: SessionData }>(orm, FIND, [hash]);
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

const names = new Map<string, string>();

/** Declare a statement once, at module level; a name stands for one text only. */
export function statement(name: string, text: string): Statement {
  const known = names.get(name);
  if (known !== undefined && known !== text)
    throw new Error(`statement ${name} declared twice with different SQL`);
  names.set(name, text);
  return { name, text };
}

/** Run `st` with `values` on the database's pool and return its rows. */
export async function query<R extends QueryResultRow>(
  orm: Database,
  st: Statement,
  values: readonly unknown[],
): Promise<R[]> {
  const pool = await poolOf(orm);
  const result = await pool.query<R>({ name: st.name, text: st.text, values: values as unknown[] });
  return result.rows;
}

/** Like `query`, for statements without rows to return: how many rows they changed. */
export async function execute(orm: Database, st: Statement, values: readonly unknown[]): Promise<number> {
  const pool = await poolOf(orm);
  const result = await pool.query({ name: st.name, text: st.text, values: values as unknown[] });
  return result.rowCount ?? 0;
}

const pools = new WeakMap<Database, Pool>();

/**
 * The ORM's `pg` pool, with its type parsers (dates as text, as the ORM returns them). Kept after
 * the first ask, unless it has been ended: the ORM makes a new one only when it reconnects.
 */
async function poolOf(orm: Database): Promise<Pool> {
  const known = pools.get(orm);
  if (known && !known.ended) return known;
  const pool = (await orm.em.getConnection().getNativeClient()) as Pool;
  pools.set(orm, pool);
  return pool;
}
