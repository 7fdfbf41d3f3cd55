import type { Database } from '../../adapters/db/database.ts';
import { ACCOUNT_CLIENT_ID } from '../clients/clients.ts';
import { queueBackchannelLogouts } from '../logout/logout-queue.ts';

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
 * Revoke an app: its grants and every token and code minted from them, in one transaction; the
 * app is told to end its sessions of the person (back-channel logout). The next time the app
 * asks, the person is asked for consent again.
 */
export async function revokeApp(orm: Database, accountId: string, clientId: string): Promise<number> {
  // No client id holds NUL (PostgreSQL text cannot): nothing to revoke, rather than a failed query.
  if (clientId.includes('\u0000')) return 0;
  const conn = orm.em.getConnection();
  return conn.transactional(async (tx) => {
    await queueBackchannelLogouts(orm, tx, { accountId, clientId, everySession: true });
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

/**
 * What a person's sign-ins leave at the provider: their sessions, and the codes and tokens apps
 * hold. Grants stay: the apps keep the person's consent, not their access.
 */
const END_SIGN_INS = `delete from idp.oidc_payload
  where model in ('Session', 'AuthorizationCode', 'AccessToken', 'RefreshToken', 'DeviceCode',
                  'BackchannelAuthenticationRequest')
    and payload->>'accountId' = ?`;

/**
 * End every session of the account at the IdP, and every code and token apps hold for it
 * (password change or reset), and tell the apps (back-channel logout), in one transaction.
 * Deleted, not only dated out by `sessionsValidAfter`: token times are whole seconds, so a token
 * issued in the same second as the change would pass that check, and introspection does not look
 * at the account at all. `keepSessionUid`: the session that changed the password, whose apps are
 * not told (the route stores it again under a new id).
 */
export async function endSessions(
  orm: Database,
  accountId: string,
  options: { keepSessionUid?: string } = {},
): Promise<void> {
  const conn = orm.em.getConnection();
  await conn.transactional(async (tx) => {
    await queueBackchannelLogouts(orm, tx, { accountId, ...options, everySession: true });
    await conn.execute(END_SIGN_INS, [accountId], 'run', tx);
  });
}

/**
 * "Sign out everywhere": every session of the account ends, with the codes and tokens apps hold,
 * every app is told (back-channel logout), and nothing issued before `now` is honoured any more
 * (`sessionsValidAfter`), in one transaction.
 */
export async function signOutEverywhere(orm: Database, accountId: string, now = new Date()): Promise<void> {
  const conn = orm.em.getConnection();
  await conn.transactional(async (tx) => {
    await conn.execute(
      `update idp.account set sessions_valid_after = ?, updated_at = ? where id = ?`,
      [now, now, accountId],
      'run',
      tx,
    );
    await queueBackchannelLogouts(orm, tx, { accountId, everySession: true });
    await conn.execute(END_SIGN_INS, [accountId], 'run', tx);
  });
}

/**
 * The account ends: every app is told (back-channel logout), then its sessions, grants, codes and
 * tokens go with it, in one transaction — `disable` keeps the row (an operator's decision, kept
 * for the record and so the address cannot be signed up again), otherwise it is deleted and the
 * address is free for a new account. Resolves to `false` when there was no such account.
 */
export async function endAccount(
  orm: Database,
  accountId: string,
  how: 'delete' | 'disable',
  now = new Date(),
): Promise<boolean> {
  const conn = orm.em.getConnection();
  return conn.transactional(async (tx) => {
    const change =
      how === 'delete'
        ? `delete from idp.account where id = ? returning id`
        : `update idp.account set disabled_at = coalesce(disabled_at, ?), sessions_valid_after = ?, updated_at = ?
            where id = ? returning id`;
    const values = how === 'delete' ? [accountId] : [now, now, now, accountId];
    const [found] = await conn.execute<{ id: string }[]>(change, values, 'all', tx);
    if (!found) return false;
    await queueBackchannelLogouts(orm, tx, { accountId, everySession: true });
    await conn.execute(
      `delete from idp.oidc_payload where payload->>'accountId' = ? and model <> 'Client'`,
      [accountId],
      'run',
      tx,
    );
    return true;
  });
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
