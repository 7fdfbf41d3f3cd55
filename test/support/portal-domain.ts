import { type Database, openDatabase } from '../../adapters/db/database.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import type { Actor, Identity, PortalDomain, VerifiedIdentity } from '../../portal/domain.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import type { Roles } from '../../portal/professionals/profile-input.ts';
import { portalSchema } from '../../portal/schema.ts';
import { createTestDatabase } from './database.ts';

export const TEST_ISSUER = 'http://idp.test';

/** Every role at once: Administrator, Billing Contact and Shipping Contact. */
export const ALL_ROLES: Roles = Object.freeze({
  administrator: true,
  billingContact: true,
  shippingContact: true,
});

export interface TestPortalDomain extends PortalDomain {
  readonly orm: Database;
  readonly databaseUrl: string;
}

/** The portal's service functions on a fresh database of their own. */
export async function openTestPortalDomain(overrides: Partial<PortalDomain> = {}): Promise<TestPortalDomain> {
  const databaseUrl = await createTestDatabase();
  const orm = await openDatabase(portalSchema, { url: databaseUrl, poolMax: 10 });
  return {
    orm,
    databaseUrl,
    portalUrl: 'http://portal.test',
    productName: 'CustomerSource',
    invitationKey: new TextEncoder().encode('test-invitation-key-of-at-least-32-bytes!'),
    invitationTtlSeconds: 7 * 24 * 3600,
    ...overrides,
  };
}

/** A signed-in person as the IdP would describe them. */
export function identityOf(email: string, subject = `sub-${email}`): VerifiedIdentity {
  return { issuer: TEST_ISSUER, subject, email, emailVerified: true, name: email };
}

export function actorOf(identity: Identity & { email?: string }): Actor {
  return { label: identity.email ?? identity.subject, identity };
}

/** The token of an invitation link. */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token')!;
}

/** A new organization whose first administrator has claimed their invitation. */
export async function organizationWithAdmin(
  domain: PortalDomain,
  name: string,
  adminEmail: string,
  kind?: 'customer' | 'partner',
) {
  const { claimInvitation } = await import('../../portal/invitations/claim-invitation.ts');
  const created = await createOrganization(domain, {
    actor: SYSTEM_ACTOR,
    name,
    kind,
    admin: { givenName: 'Ada', familyName: name, email: adminEmail },
  });
  const identity = identityOf(adminEmail);
  await claimInvitation(domain, { token: tokenOf(created.invitationLink!), identity });
  return { ...created, identity, actor: actorOf(identity) };
}

/** Rows that break an invariant: mandatory roles held outside the org, or no administrator at all. */
export async function invariantViolations(orm: Database): Promise<unknown[]> {
  return orm.em.getConnection().execute(`
    select o.id, 'mandatory role outside organization' as problem from portal.organization o
      where not exists (select 1 from portal.professional p where p.id = o.billing_contact_id and p.organization_id = o.id)
         or not exists (select 1 from portal.professional p where p.id = o.shipping_contact_id and p.organization_id = o.id)
    union all
    select o.id, 'no administrator' from portal.organization o
      where not exists (select 1 from portal.professional p where p.organization_id = o.id and p.is_administrator)
        and not exists (select 1 from portal.partner_link l where l.customer_id = o.id)`);
}
