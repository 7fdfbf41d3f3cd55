import type { Database } from '../../adapters/db/database.ts';
import { ACCOUNT_CLIENT_ID } from '../clients/clients.ts';

export interface AppWithAccess {
  readonly clientId: string;
}

/**
 * The apps a person has granted access to (one Grant per app), newest first. The account pages'
 * own client is the IdP itself, not an app with access: it is never listed.
 */
export async function appsWithAccess(orm: Database, accountId: string): Promise<AppWithAccess[]> {
  const rows = await orm.em.getConnection().execute<{ client_id: string }[]>(
    `select payload->>'clientId' as client_id, max(payload->>'iat') as iat
       from idp.oidc_payload
      where model = 'Grant' and payload->>'accountId' = ? and payload->>'clientId' <> ?
        and (expires_at is null or expires_at > now())
      group by 1 order by 2 desc`,
    [accountId, ACCOUNT_CLIENT_ID],
  );
  return rows.map((r) => ({ clientId: r.client_id }));
}

/**
 * Revoke an app: its grants and every token and code minted from them, in one transaction. The
 * next time the app asks, the person is asked for consent again.
 */
export async function revokeApp(orm: Database, accountId: string, clientId: string): Promise<number> {
  const conn = orm.em.getConnection();
  return conn.transactional(async (tx) => {
    const grants = await conn.execute<{ id: string }[]>(
      `delete from idp.oidc_payload
        where model = 'Grant' and payload->>'accountId' = ? and payload->>'clientId' = ?
        returning id`,
      [accountId, clientId],
      'all',
      tx,
    );
    if (grants.length) {
      await conn.execute(
        `delete from idp.oidc_payload where grant_id in (?)`,
        [grants.map((g) => g.id)],
        'run',
        tx,
      );
    }
    return grants.length;
  });
}

/** End every session of the account at the IdP (sign out everywhere, password change or reset). */
export async function endSessions(orm: Database, accountId: string): Promise<void> {
  await orm.em
    .getConnection()
    .execute(`delete from idp.oidc_payload where model = 'Session' and payload->>'accountId' = ?`, [
      accountId,
    ]);
}

/** The grant a person gave an app in an earlier session, so consent is asked once per app. */
export async function rememberedGrantId(
  orm: Database,
  accountId: string,
  clientId: string,
): Promise<string | undefined> {
  const rows = await orm.em.getConnection().execute<{ id: string }[]>(
    `select id from idp.oidc_payload
      where model = 'Grant' and payload->>'accountId' = ? and payload->>'clientId' = ?
        and (expires_at is null or expires_at > now())
      order by (payload->>'iat')::bigint desc limit 1`,
    [accountId, clientId],
  );
  return rows[0]?.id;
}
