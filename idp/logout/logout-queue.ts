import type { EntityManager } from '@mikro-orm/core';
import { executeIn, statement } from '../../adapters/db/statements.ts';

/** Whose sign-ins end, and which apps must be told (OpenID Connect Back-Channel Logout 1.0). */
export interface EndedSignIns {
  readonly accountId: string;
  /** Only this app's sessions and grant (its access removed in account settings). */
  readonly clientId?: string;
  /** The IdP session that stays (a password change ends the *other* sessions). */
  readonly keepSessionUid?: string;
  /**
   * Also tell each app with a grant of the person to end every session of `sub` (a token without
   * `sid`, BCL §2.4): an app session can outlive the IdP session it came from. Not when a session
   * is kept: such a token would end the kept one's app sessions too.
   */
  readonly everySession: boolean;
}

// One row per app session (`sid` of each IdP session's authorization of that app, §2.4) and, for
// `everySession`, one `sub`-only row per app with a grant but none of those sessions. Only apps
// that registered a back-channel logout URI are told. Read before the sessions are deleted, in
// the same transaction.
const QUEUE = statement(
  'idp.backchannel-logout.queue',
  `insert into idp.backchannel_logout (client_id, sub, sid)
  select ended.client_id, $1::text, ended.sid from (
    select a.key as client_id, a.value->>'sid' as sid
      from idp.oidc_payload s, jsonb_each(coalesce(s.payload->'authorizations', '{}'::jsonb)) a
     where s.model = 'Session' and s.payload->>'accountId' = $1::text
       and (s.expires_at is null or s.expires_at > now())
       and ($2::text is null or a.key = $2::text)
       and ($3::text is null or s.uid is distinct from $3::text)
    union
    select g.payload->>'clientId', null
      from idp.oidc_payload g
     where $4::boolean and g.model = 'Grant' and g.payload->>'accountId' = $1::text
       and ($2::text is null or g.payload->>'clientId' = $2::text)
  ) ended
  where ended.sid is not null or not exists (
    select 1 from idp.oidc_payload s, jsonb_each(coalesce(s.payload->'authorizations', '{}'::jsonb)) a
     where s.model = 'Session' and s.payload->>'accountId' = $1::text and a.key = ended.client_id)
  and exists (
    select 1 from idp.oidc_payload c
     where c.model = 'Client' and c.id = ended.client_id and c.payload->>'backchannel_logout_uri' is not null)`,
);

/**
 * Queue the back-channel logouts of the sign-ins about to end, inside the transaction of `em` that
 * ends them: the apps are told exactly when the change commits, never for a rolled-back one, and
 * the dispatcher (logout-dispatcher.ts) keeps trying while an app is down.
 */
export async function queueBackchannelLogouts(em: EntityManager, ended: EndedSignIns): Promise<void> {
  const keep = ended.keepSessionUid ?? null;
  await executeIn(em, QUEUE, [ended.accountId, ended.clientId ?? null, keep, ended.everySession && !keep]);
}
