import type { EntityManager } from '@mikro-orm/core';
import type { Database } from '../../adapters/db/database.ts';
import { executeIn, query, queryIn, statement } from '../../adapters/db/statements.ts';

// A person's sessions, grants, codes and tokens as oidc-provider stores them (oidc-store.ts), read
// and ended by account: what the account pages show and what ending sign-ins removes. The writes
// run in the caller's transaction, with the back-channel logouts they queue.

const GRANTED_APPS = statement(
  'oidc.granted-apps',
  `select payload->>'clientId' as client_id, max(payload->>'iat') as iat
     from idp.oidc_payload
    where model = 'Grant' and payload->>'accountId' = $1 and payload->>'clientId' <> $2
      and (expires_at is null or expires_at > now())
    group by 1 order by 2 desc`,
);

/** The client ids of the apps the person has a live grant for, newest grant first, but `except`. */
export async function grantedClientIds(orm: Database, accountId: string, except: string): Promise<string[]> {
  const rows = await query<{ client_id: string }>(orm, GRANTED_APPS, [accountId, except]);
  return rows.map((r) => r.client_id);
}

const REMEMBERED_GRANT = statement(
  'oidc.remembered-grant',
  `select id from idp.oidc_payload
    where model = 'Grant' and payload->>'accountId' = $1 and payload->>'clientId' = $2
      and (expires_at is null or expires_at > now())
    order by (payload->>'iat')::bigint desc limit 1`,
);

/**
 * The grant a person gave an app in an earlier session (their newest live one), so consent is
 * asked once per app; `undefined` when there is none.
 */
export async function rememberedGrantId(
  orm: Database,
  accountId: string,
  clientId: string,
): Promise<string | undefined> {
  const [row] = await query<{ id: string }>(orm, REMEMBERED_GRANT, [accountId, clientId]);
  return row?.id;
}

const DELETE_GRANTS = statement(
  'oidc.delete-grants-of-app',
  `delete from idp.oidc_payload
    where model = 'Grant' and payload->>'accountId' = $1 and payload->>'clientId' = $2
    returning id`,
);
const DELETE_MINTED = statement(
  'oidc.delete-minted-from',
  `delete from idp.oidc_payload where grant_id = any($1::text[])`,
);

/**
 * Delete the person's grants to the app and every code and token minted from them, in the
 * transaction of `em`; resolves to how many grants there were.
 */
export async function deleteAppGrants(
  em: EntityManager,
  accountId: string,
  clientId: string,
): Promise<number> {
  const grants = await queryIn<{ id: string }>(em, DELETE_GRANTS, [accountId, clientId]);
  if (grants.length) await executeIn(em, DELETE_MINTED, [grants.map((g) => g.id)]);
  return grants.length;
}

/**
 * What a person's sign-ins leave at the provider: their sessions, and the codes and tokens apps
 * hold. Grants stay: the apps keep the person's consent, not their access.
 */
const DELETE_SIGN_INS = statement(
  'oidc.delete-sign-ins',
  `delete from idp.oidc_payload
    where model in ('Session', 'AuthorizationCode', 'AccessToken', 'RefreshToken', 'DeviceCode',
                    'BackchannelAuthenticationRequest')
      and payload->>'accountId' = $1`,
);

/** Delete the person's sessions, codes and tokens (not their grants), in the transaction of `em`. */
export async function deleteSignIns(em: EntityManager, accountId: string): Promise<void> {
  await executeIn(em, DELETE_SIGN_INS, [accountId]);
}

const DELETE_ALL_OF = statement(
  'oidc.delete-all-of-account',
  `delete from idp.oidc_payload where payload->>'accountId' = $1 and model <> 'Client'`,
);

/** Delete everything the provider holds of the person: sessions, grants, codes and tokens. */
export async function deleteEverythingOf(em: EntityManager, accountId: string): Promise<void> {
  await executeIn(em, DELETE_ALL_OF, [accountId]);
}
