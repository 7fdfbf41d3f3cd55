import type { AdapterPayload } from 'oidc-provider';
import type { Database } from '../../adapters/db/database.ts';
import { execute, query, type Statement, statement } from '../../adapters/db/statements.ts';

/** One oidc-provider model instance as the adapter stores it, with the columns it is looked up by. */
export interface OidcRecord {
  readonly model: string;
  readonly id: string;
  readonly payload: AdapterPayload;
  /** Seconds from now; `undefined` stores the row without expiry (dynamically registered clients). */
  readonly expiresIn: number | undefined;
  readonly grantId: string | undefined;
  readonly userCode: string | undefined;
  readonly uid: string | undefined;
}

/** A token found by its value, with the rows oidc-provider reads next when it uses the token. */
export interface FoundToken {
  readonly model: string;
  /** The token's value. */
  readonly id: string;
  readonly payload: AdapterPayload;
  /** The session the token dies with (`expiresWithSession`), `null` when it is gone, absent when not bound. */
  readonly session?: AdapterPayload | null;
  /** The token's grant, `null` when it is gone, absent when the token has none. */
  readonly grant?: AdapterPayload | null;
  /** The token's account as `accountJson` reads it, `null` when it is gone, absent when not asked. */
  readonly account?: unknown;
}

/**
 * An SQL expression for the JSON of the account whose uuid is `idExpression`, or SQL null: how
 * the service that owns the accounts lets token lookups bring the account along.
 */
export type AccountJson = (idExpression: string) => string;

// Every statement here runs on each request, so they are prepared (adapters/db/statements.ts).
// A row past its expiry is gone for oidc-provider even before the cleanup deletes it.
const LIVE = (t: string) => `(${t}.expires_at is null or ${t}.expires_at > now())`;

// oidc-provider reads `consumed` as a truthy epoch-seconds value on the payload.
const WITH_CONSUMED = (t: string) => `case when ${t}.consumed_at is null then ${t}.payload
  else ${t}.payload || jsonb_build_object('consumed', floor(extract(epoch from ${t}.consumed_at))) end`;

/**
 * Insert or replace a row in one round trip. `consumed_at` survives the update: consumption is
 * one-way, so re-saving a used code or rotated refresh token never makes it usable again
 * (RFC 9700 §2.2.2 refresh-token replay detection relies on it).
 */
const SAVE = statement(
  'oidc.save',
  `insert into idp.oidc_payload (model, id, payload, grant_id, user_code, uid, expires_at)
   values ($1, $2, $3::jsonb, $4, $5, $6, now() + $7::int * interval '1 second')
   on conflict (model, id) do update set
     payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
     uid = excluded.uid, expires_at = excluded.expires_at`,
);

/**
 * The same for several rows in one statement (distinct `(model, id)` pairs: PostgreSQL refuses to
 * update one row twice in one `on conflict` statement). One text, whatever the number of rows, so
 * it is prepared once per connection like the others.
 */
const SAVE_MANY = statement(
  'oidc.save-many',
  `insert into idp.oidc_payload (model, id, payload, grant_id, user_code, uid, expires_at)
   select r.model, r.id, r.payload, r.grant_id, r.user_code, r.uid, now() + r.expires_in * interval '1 second'
     from unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::text[], $6::text[], $7::int[])
       as r(model, id, payload, grant_id, user_code, uid, expires_in)
   on conflict (model, id) do update set
     payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
     uid = excluded.uid, expires_at = excluded.expires_at`,
);

/** The saves waiting for the next turn of the event loop, per database; outcomes by record key. */
interface SaveBatch {
  readonly records: Map<string, SerializedRecord>;
  readonly saved: Promise<Map<string, unknown>>;
}
const pendingSaves = new WeakMap<Database, SaveBatch>();

/**
 * Save a row. The saves of every request that reach this point in the same turn of the event loop
 * go to PostgreSQL together, as one statement, once that turn is over: under load one round trip
 * (and one commit) serves several requests' tokens, codes, sessions and interactions instead of
 * one each. Each caller still waits until its own row is committed, so nothing is answered before
 * its row is stored, and a later read, by any request or instance, sees it. Two saves of one row in
 * one turn keep the later payload, as two statements in that order would. Should the statement
 * fail, the rows are saved one by one, so only a row that cannot be stored fails its request.
 */
export function saveOidcRecord(orm: Database, record: OidcRecord): Promise<void> {
  let batch = pendingSaves.get(orm);
  if (!batch) {
    const records = new Map<string, SerializedRecord>();
    const saved = new Promise<void>((turnOver) => setImmediate(turnOver)).then(() => {
      pendingSaves.delete(orm);
      return saveTogether(orm, [...records]);
    });
    batch = { records, saved };
    pendingSaves.set(orm, batch);
  }
  const key = `${record.model}:${record.id}`;
  batch.records.delete(key);
  // Serialised now: the payload as it is at the call, whatever its owner changes afterwards.
  batch.records.set(key, { ...record, json: JSON.stringify(record.payload) });
  return batch.saved.then((failures) => {
    if (failures.has(key)) throw failures.get(key);
  });
}

type SerializedRecord = OidcRecord & { readonly json: string };

async function saveTogether(
  orm: Database,
  records: readonly (readonly [string, SerializedRecord])[],
): Promise<Map<string, unknown>> {
  const failures = new Map<string, unknown>();
  if (records.length > 1) {
    const column = <T>(of: (r: SerializedRecord) => T) => records.map(([, r]) => of(r));
    try {
      await execute(orm, SAVE_MANY, [
        column((r) => r.model),
        column((r) => r.id),
        column((r) => r.json),
        column((r) => r.grantId ?? null),
        column((r) => r.userCode ?? null),
        column((r) => r.uid ?? null),
        column((r) => r.expiresIn ?? null),
      ]);
      return failures;
    } catch {
      // One row PostgreSQL refuses fails the statement: save them one by one instead.
    }
  }
  await Promise.all(
    records.map(([key, record]) =>
      saveOne(orm, record).catch((error: unknown) => {
        failures.set(key, error);
      }),
    ),
  );
  return failures;
}

async function saveOne(orm: Database, record: SerializedRecord): Promise<void> {
  await execute(orm, SAVE, [
    record.model,
    record.id,
    record.json,
    record.grantId ?? null,
    record.userCode ?? null,
    record.uid ?? null,
    record.expiresIn ?? null,
  ]);
}

/**
 * The live row of one model by a column. When a uid or user code is shared by two live rows (a
 * session being re-keyed), the one that lives longest wins.
 */
const findBy = (column: 'id' | 'uid' | 'user_code') =>
  statement(
    `oidc.find-by-${column}`,
    `select ${WITH_CONSUMED('p')} as payload from idp.oidc_payload p
     where p.model = $1 and p.${column} = $2 and ${LIVE('p')}
     order by p.expires_at desc nulls first limit 1`,
  );
const FIND_BY = { id: findBy('id'), uid: findBy('uid'), user_code: findBy('user_code') } as const;

/** The live payload of one model whose `column` equals `value`, or `undefined`. */
export async function findOidcPayload(
  orm: Database,
  model: string,
  column: keyof typeof FIND_BY,
  value: string,
): Promise<AdapterPayload | undefined> {
  // A token or id sent by a client may hold NUL, which PostgreSQL text cannot: it matches no row,
  // and asking would fail the request with a 500 instead of the provider's invalid_grant.
  if (value.includes('\u0000')) return undefined;
  const rows = await query<{ payload: AdapterPayload }>(orm, FIND_BY[column], [model, value]);
  return rows[0]?.payload;
}

/**
 * A token value looked up in several models at once (introspection asks AccessToken,
 * ClientCredentials and RefreshToken for the same value), each row with its session and grant —
 * the rows oidc-provider's session binding check and grant lookup read right after, chosen as
 * those lookups choose them — and, given `accountJson`, its account. One round trip instead of
 * up to six. Run it with `findOidcTokens`.
 */
export function tokenStatement(accountJson?: AccountJson): Statement {
  // Only ids the account table can hold are looked up: a cast of anything else would fail the request.
  const account = accountJson
    ? `, case when t.payload->>'accountId' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
         then jsonb_build_object('row', ${accountJson("(t.payload->>'accountId')::uuid")}) end as account`
    : '';
  return statement(
    accountJson ? 'oidc.find-token-with-account' : 'oidc.find-token',
    `select t.model, t.id, ${WITH_CONSUMED('t')} as payload,
       case when t.payload->>'expiresWithSession' = 'true' then jsonb_build_object('row',
         (select ${WITH_CONSUMED('s')} from idp.oidc_payload s
           where s.model = 'Session' and s.uid = t.payload->>'sessionUid' and ${LIVE('s')}
           order by s.expires_at desc nulls first limit 1)) end as session,
       case when t.payload ? 'grantId' then jsonb_build_object('row',
         (select ${WITH_CONSUMED('g')} from idp.oidc_payload g
           where g.model = 'Grant' and g.id = t.payload->>'grantId' and ${LIVE('g')})) end as grant
       ${account}
     from idp.oidc_payload t
     where t.id = any($1::text[]) and t.model = any($2::text[]) and ${LIVE('t')}`,
  );
}

/**
 * Run `st` (of `tokenStatement`) for several values at once, each with the models it is asked in;
 * a row of a model its value was not asked in is left out.
 */
export async function findOidcTokens(
  orm: Database,
  st: Statement,
  modelsByValue: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<FoundToken[]> {
  // A token sent by a client may hold NUL, which PostgreSQL text cannot: it matches no row.
  const values = [...modelsByValue.keys()].filter((value) => !value.includes('\u0000'));
  if (values.length === 0) return [];
  const models = new Set([...modelsByValue.values()].flatMap((asked) => [...asked]));
  // `{ row }` when the token has a session, grant or account (`row` null when that is gone), else null.
  type Related<T> = { row: T | null } | null | undefined;
  const rows = await query<{
    model: string;
    id: string;
    payload: AdapterPayload;
    session: Related<AdapterPayload>;
    grant: Related<AdapterPayload>;
    account: Related<unknown>;
  }>(orm, st, [values, [...models]]);
  return rows
    .filter((r) => modelsByValue.get(r.id)?.has(r.model))
    .map((r) => ({
      model: r.model,
      id: r.id,
      payload: r.payload,
      ...(r.session ? { session: r.session.row } : {}),
      ...(r.grant ? { grant: r.grant.row } : {}),
      ...(r.account ? { account: r.account.row } : {}),
    }));
}

/**
 * Mark a row consumed. Only the first consumption changes the row: of two requests redeeming one
 * code or refresh token at the same instant, even on two IdP instances, exactly one sees its
 * update take effect.
 */
const CONSUME = statement(
  'oidc.consume',
  `update idp.oidc_payload set consumed_at = now() where model = $1 and id = $2 and consumed_at is null`,
);

/** The same for several rows (distinct `(model, id)` pairs): the rows this statement consumed. */
const CONSUME_MANY = statement(
  'oidc.consume-many',
  `update idp.oidc_payload p set consumed_at = now()
     from unnest($1::text[], $2::text[]) as r(model, id)
    where p.model = r.model and p.id = r.id and p.consumed_at is null
   returning p.model, p.id`,
);

/** The consumptions waiting for the end of this turn of the event loop, per database. */
const pendingConsumptions = new WeakMap<
  Database,
  { readonly keys: Map<string, { model: string; id: string }>; readonly consumed: Promise<Set<string>> }
>();

/**
 * Consume a row; `false` when it was consumed already (or is gone): the caller lost a race. Like
 * saves, the consumptions of one turn of the event loop are one statement; a row asked twice in
 * one turn is consumed by the first asker only, the second loses, as it would a turn later.
 */
export async function consumeOidcRecord(orm: Database, model: string, id: string): Promise<boolean> {
  let batch = pendingConsumptions.get(orm);
  if (!batch) {
    const keys = new Map<string, { model: string; id: string }>();
    const consumed = new Promise<void>((turnOver) => setImmediate(turnOver)).then(() => {
      pendingConsumptions.delete(orm);
      return consumeTogether(orm, [...keys.values()]);
    });
    batch = { keys, consumed };
    pendingConsumptions.set(orm, batch);
  }
  const key = `${model}:${id}`;
  if (batch.keys.has(key)) {
    // Second in line: it loses once the first one has consumed the row.
    await batch.consumed;
    return false;
  }
  batch.keys.set(key, { model, id });
  return (await batch.consumed).has(key);
}

async function consumeTogether(
  orm: Database,
  rows: readonly { model: string; id: string }[],
): Promise<Set<string>> {
  if (rows.length === 1) {
    const [{ model, id }] = rows as [{ model: string; id: string }];
    return new Set((await execute(orm, CONSUME, [model, id])) === 1 ? [`${model}:${id}`] : []);
  }
  const consumed = await query<{ model: string; id: string }>(orm, CONSUME_MANY, [
    rows.map((r) => r.model),
    rows.map((r) => r.id),
  ]);
  return new Set(consumed.map((r) => `${r.model}:${r.id}`));
}

/** Every row of the grant this row was minted from, and the Grant itself, in one statement. */
const REVOKE_GRANT_OF = statement(
  'oidc.revoke-grant-of',
  `with source as (select grant_id from idp.oidc_payload
                    where model = $1 and id = $2 and grant_id is not null)
   delete from idp.oidc_payload p using source
    where p.grant_id = source.grant_id or (p.model = 'Grant' and p.id = source.grant_id)`,
);

/** Revoke the grant a code or token belongs to: what a replay of it costs (RFC 9700 §4.5, §4.14.2). */
export async function revokeGrantOfRecord(orm: Database, model: string, id: string): Promise<void> {
  await execute(orm, REVOKE_GRANT_OF, [model, id]);
}

const DESTROY = statement('oidc.destroy', `delete from idp.oidc_payload where model = $1 and id = $2`);

/** Delete one row. */
export async function destroyOidcRecord(orm: Database, model: string, id: string): Promise<void> {
  await execute(orm, DESTROY, [model, id]);
}

const DESTROY_GRANT = statement('oidc.destroy-grant', `delete from idp.oidc_payload where grant_id = $1`);

/** Delete every row, of any model, stored with this grant id. */
export async function destroyOidcGrantRecords(orm: Database, grantId: string): Promise<void> {
  await execute(orm, DESTROY_GRANT, [grantId]);
}

const DELETE_EXPIRED = statement(
  'oidc.delete-expired',
  `delete from idp.oidc_payload where expires_at <= now()`,
);

/**
 * Delete the oidc-provider rows past their expiry and return how many were deleted. Expired rows
 * are already invisible to the adapter; this only reclaims space, so run it periodically from
 * one place (any instance may, the delete is idempotent).
 */
export function cleanupExpiredOidcPayloads(orm: Database): Promise<number> {
  return execute(orm, DELETE_EXPIRED, []);
}
