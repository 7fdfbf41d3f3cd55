import { recordAudit } from '../audit/audit.ts';
import { nowOf, type PortalDomain } from '../domain.ts';
import { Professional } from '../organizations/professional.entity.ts';
import type { PortalContext } from '../portal-context.ts';
import { activeMemberships, type SignedIn } from '../sessions/session-store.ts';

/**
 * Each of the person's memberships records now as its last sign-in, and gets one "sign-in" event
 * ("access denied" when they have none): after the callback, or — when a journey continued the
 * sign-in — once that journey is done.
 */
async function auditSignIn(domain: PortalDomain, signedIn: SignedIn): Promise<void> {
  const rows = await activeMemberships(domain.orm, signedIn);
  const em = domain.orm.em.fork();
  if (rows.length > 0)
    await em.nativeUpdate(
      Professional,
      { idpIssuer: signedIn.issuer, idpSubject: signedIn.subject, status: 'active' },
      { lastSignInAt: nowOf(domain) },
    );
  if (rows.length === 0)
    recordAudit(em, { organizationId: null, actor: signedIn.email, action: 'access.denied' });
  for (const p of rows)
    recordAudit(em, { organizationId: p.organization.id, actor: signedIn.email, action: 'sign-in' });
  await em.flush();
}

/** A sign-in is complete: run the steps capabilities added (`portal.afterSignIn`), then audit it. */
export async function finishSignIn(portal: PortalContext, signedIn: SignedIn): Promise<void> {
  for (const step of portal.afterSignIn) await step(signedIn);
  await auditSignIn(portal.domain, signedIn);
}
