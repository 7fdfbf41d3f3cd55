import type { Database } from '../../adapters/db/database.ts';
import { query, statement } from '../../adapters/db/statements.ts';
import type { Identity } from '../domain.ts';

/**
 * One organization the signed-in person is an active professional of, as the gate and the pages
 * need it: plain data read on every request, not an entity (the admin pages load those).
 */
export interface Membership {
  /** The professional's id. */
  readonly id: string;
  readonly isAdministrator: boolean;
  readonly organization: { readonly id: string; readonly name: string };
}

/**
 * A JSON array of the `Membership`s of the identity in `issuer` and `subject` (SQL expressions),
 * by organization name. Shared by the statement below and the session lookup, which reads the
 * session row and its person's memberships in one round trip (portal/sessions/session-store.ts).
 */
export function membershipsJson(issuer: string, subject: string): string {
  return `(select coalesce(json_agg(json_build_object(
      'id', p.id, 'isAdministrator', p.is_administrator,
      'organization', json_build_object('id', o.id, 'name', o.name)) order by o.name, o.id), '[]'::json)
    from portal.professional p join portal.organization o on o.id = p.organization_id
    where p.idp_issuer = ${issuer} and p.idp_subject = ${subject} and p.status = 'active')`;
}

const MEMBERSHIPS = statement('portal.memberships', `select ${membershipsJson('$1', '$2')} as memberships`);

/** The organizations in which the identity is an active professional (the membership gate). */
export async function activeMemberships(orm: Database, identity: Identity): Promise<Membership[]> {
  const rows = await query<{ memberships: Membership[] }>(orm, MEMBERSHIPS, [
    identity.issuer,
    identity.subject,
  ]);
  return rows[0]?.memberships ?? [];
}
