import type { AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/database.ts';

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

/** The columns a single row can be found by; a closed set, so it is safe to splice into SQL. */
type LookupColumn = 'id' | 'uid' | 'user_code';

// A row past its expiry is gone for oidc-provider even before the cleanup deletes it.
const LIVE = '(expires_at is null or expires_at > now())';

// oidc-provider reads `consumed` as a truthy epoch-seconds value on the payload.
const PAYLOAD_WITH_CONSUMED = `case when consumed_at is null then payload
  else payload || jsonb_build_object('consumed', floor(extract(epoch from consumed_at))) end`;

/**
 * Insert or replace a row in one round trip. `consumed_at` survives the update: consumption is
 * one-way, so re-saving a used code or rotated refresh token never makes it usable again
 * (RFC 9700 §2.2.2 refresh-token replay detection relies on it).
 */
export async function saveOidcRecord(orm: Database, record: OidcRecord): Promise<void> {
  await orm.em.getConnection().execute(
    `insert into idp.oidc_payload (model, id, payload, grant_id, user_code, uid, expires_at)
     values (?, ?, ?::jsonb, ?, ?, ?, now() + ? * interval '1 second')
     on conflict (model, id) do update set
       payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
       uid = excluded.uid, expires_at = excluded.expires_at`,
    [
      record.model,
      record.id,
      JSON.stringify(record.payload),
      record.grantId ?? null,
      record.userCode ?? null,
      record.uid ?? null,
      record.expiresIn ?? null,
    ],
    'run',
  );
}

/**
 * The live payload of one model whose `column` equals `value`, or `undefined`. When a uid or user
 * code is shared by two live rows (a session being re-keyed), the one that lives longest wins.
 */
export async function findOidcPayload(
  orm: Database,
  model: string,
  column: LookupColumn,
  value: string,
): Promise<AdapterPayload | undefined> {
  // A token or id sent by a client may hold NUL, which PostgreSQL text cannot: it matches no row,
  // and asking would fail the request with a 500 instead of the provider's invalid_grant.
  if (value.includes('\u0000')) return undefined;
  const rows = await orm.em.getConnection().execute<{ payload: AdapterPayload }[]>(
    `select ${PAYLOAD_WITH_CONSUMED} as payload from idp.oidc_payload
     where model = ? and ${column} = ? and ${LIVE}
     order by expires_at desc nulls first limit 1`,
    [model, value],
  );
  return rows[0]?.payload;
}

/** Mark a row consumed, keeping the first consumption time when called again. */
export async function consumeOidcRecord(orm: Database, model: string, id: string): Promise<void> {
  await orm.em
    .getConnection()
    .execute(
      `update idp.oidc_payload set consumed_at = now() where model = ? and id = ? and consumed_at is null`,
      [model, id],
      'run',
    );
}

/** Delete one row. */
export async function destroyOidcRecord(orm: Database, model: string, id: string): Promise<void> {
  await orm.em
    .getConnection()
    .execute(`delete from idp.oidc_payload where model = ? and id = ?`, [model, id], 'run');
}

/** Delete every row, of any model, stored with this grant id. */
export async function destroyOidcGrantRecords(orm: Database, grantId: string): Promise<void> {
  await orm.em.getConnection().execute(`delete from idp.oidc_payload where grant_id = ?`, [grantId], 'run');
}

/** Delete the rows past their expiry and return how many went. */
export async function deleteExpiredOidcRecords(orm: Database): Promise<number> {
  const result = await orm.em
    .getConnection()
    .execute<{ affectedRows: number }>(`delete from idp.oidc_payload where expires_at <= now()`, [], 'run');
  return result.affectedRows;
}
