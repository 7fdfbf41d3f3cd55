import type { EntityManager } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { CompiledQuery, type ControlledTransaction } from 'kysely';
import type { Pool, QueryResultRow } from 'pg';

/**
 * A named SQL statement with `$1…` placeholders: the one way Gatehouse sends SQL of its own to
 * PostgreSQL (entities, through the EntityManager, are the other). Declared once, at module level.
 *
 * - Outside a transaction, `query` / `execute` send it as a prepared statement on the ORM's own
 *   connection pool: PostgreSQL parses and plans it once per connection instead of once per
 *   request, and no query builder runs in between.
 * - Inside one, `queryIn` / `executeIn` take the EntityManager that `em.transactional(…)` hands its
 *   callback and send the statement on that transaction's connection (from the same pool), so raw
 *   statements and entity changes commit or roll back together. There it goes as a parameterised
 *   statement without a name: the ORM's transaction is a Kysely one, which keeps its `pg` client to
 *   itself. Nothing per request runs in a transaction here; the hot paths use `query`.
 *
 * @example
 *   const FIND = statement('session.find', 'select data from portal.portal_session where id_hash = $1');
 *   const rows = await query<{ data: SessionData }>(orm, FIND, [hash]);
 *
 *   const LOCK = statement('demo.lock', `select pg_advisory_xact_lock(hashtext('gatehouse:demo'))`);
 *   await orm.em.fork().transactional(async (em) => {
 *     await executeIn(em, LOCK, []);
 *     if (!(await em.findOne(Organization, { name }))) em.create(Organization, { name, … });
 *   });
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** What `query` and `execute` run on: the ORM (its pool), or a `pg` pool of the same database. */
/** The ORM (`Database` of database.ts, which runs its own statements through this file) or a pool. */
type Database = MikroORM;
export type StatementTarget = Database | Pool;

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
  db: StatementTarget,
  st: Statement,
  values: readonly unknown[],
): Promise<R[]> {
  const pool = await poolOf(db);
  const result = await pool.query<R>({ name: st.name, text: st.text, values: values as unknown[] });
  return result.rows;
}

/** Like `query`, for statements without rows to return: how many rows they changed. */
export async function execute(
  db: StatementTarget,
  st: Statement,
  values: readonly unknown[],
): Promise<number> {
  const pool = await poolOf(db);
  const result = await pool.query({ name: st.name, text: st.text, values: values as unknown[] });
  return result.rowCount ?? 0;
}

/** Run `st` in the transaction of `em` (inside `em.transactional`) and return its rows. */
export async function queryIn<R extends QueryResultRow>(
  em: EntityManager,
  st: Statement,
  values: readonly unknown[],
): Promise<R[]> {
  const result = await transactionOf(em, st).executeQuery<R>(CompiledQuery.raw(st.text, [...values]));
  return result.rows;
}

/** Like `queryIn`, for statements without rows to return: how many rows they changed. */
export async function executeIn(
  em: EntityManager,
  st: Statement,
  values: readonly unknown[],
): Promise<number> {
  const result = await transactionOf(em, st).executeQuery(CompiledQuery.raw(st.text, [...values]));
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * The ORM's own `pg` pool, the one `query` uses, for a library that wants a pool of its own
 * (rate-limiter-flexible): no second pool to size, watch and close.
 */
export function connectionPool(orm: Database): Promise<Pool> {
  return poolOf(orm);
}

// A statement meant for a transaction never runs outside one: it would commit on its own.
function transactionOf(em: EntityManager, st: Statement): ControlledTransaction<unknown> {
  const tx = em.getTransactionContext<ControlledTransaction<unknown>>();
  if (!tx) throw new Error(`statement ${st.name} must run inside em.transactional`);
  return tx;
}

const pools = new WeakMap<Database, Pool>();

/**
 * The ORM's `pg` pool, with its type parsers (dates as text, as the ORM returns them). Kept after
 * the first ask, unless it has been ended: the ORM makes a new one only when it reconnects.
 */
async function poolOf(db: StatementTarget): Promise<Pool> {
  if (!isOrm(db)) return db;
  const known = pools.get(db);
  if (known && !known.ended) return known;
  const pool = (await db.em.getConnection().getNativeClient()) as Pool;
  pools.set(db, pool);
  return pool;
}

function isOrm(db: StatementTarget): db is Database {
  return 'em' in db;
}
