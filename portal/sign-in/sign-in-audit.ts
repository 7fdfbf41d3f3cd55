import { recordAudit } from '../audit/audit.ts';
import type { PortalDomain } from '../domain.ts';
import { activeMemberships, type SignedIn } from '../sessions/session-store.ts';

/**
 * One "sign-in" event per organization of the person, "access denied" when they have none: after
 * the callback, or — when a journey continued the sign-in — once that journey is done.
 */
export async function auditSignIn(domain: PortalDomain, signedIn: SignedIn): Promise<void> {
  const rows = await activeMemberships(domain.orm, signedIn);
  const em = domain.orm.em.fork();
  if (rows.length === 0)
    recordAudit(em, { organizationId: null, actor: signedIn.email, action: 'access.denied' });
  for (const p of rows)
    recordAudit(em, { organizationId: p.organization.id, actor: signedIn.email, action: 'sign-in' });
  await em.flush();
}
