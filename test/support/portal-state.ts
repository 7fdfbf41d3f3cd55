import type { TestPortal } from './portal-instance.ts';

/**
 * Everything an attack on the portal could change, as one comparable string: organizations,
 * professionals, invitations, partner links, access requests, and how many mails and audit events exist. Equal
 * before and after a refused request means the refusal changed nothing.
 */
export async function portalState(portal: TestPortal): Promise<string> {
  const conn = portal.domain.orm.em.getConnection();
  const rows = await Promise.all([
    conn.execute('select * from portal.organization order by id'),
    conn.execute('select * from portal.professional order by id'),
    conn.execute('select * from portal.invitation order by id'),
    conn.execute('select * from portal.partner_link order by partner_id, customer_id'),
    conn.execute('select * from portal.access_request order by id'),
    conn.execute('select count(*)::int as n from portal.outbox_mail'),
    conn.execute('select count(*)::int as n from portal.audit_event'),
  ]);
  return JSON.stringify(rows);
}
