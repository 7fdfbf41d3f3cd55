import type { TestPortal } from '../support/portal-instance.ts';

/**
 * Everything an attack on the portal could change, as one comparable string: organizations,
 * professionals, invitations, partner links, and how many mails and audit events exist. Equal
 * before and after a refused request means the refusal changed nothing.
 */
export async function portalState(portal: TestPortal): Promise<string> {
  const conn = portal.domain.orm.em.getConnection();
  const rows = await Promise.all([
    conn.execute('select * from portal.organization order by id'),
    conn.execute('select * from portal.professional order by id'),
    conn.execute('select * from portal.invitation order by id'),
    conn.execute('select * from portal.partner_link order by partner_id, customer_id'),
    conn.execute('select count(*)::int as n from portal.outbox_mail'),
    conn.execute('select count(*)::int as n from portal.audit_event'),
  ]);
  return JSON.stringify(rows);
}

/** The CSRF token of the signed-in page (every portal page carries one in its Sign out form). */
export function csrfTokenOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF token on the page:\n${html.slice(0, 1000)}`);
  return token;
}
