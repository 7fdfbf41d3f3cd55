import { pendingAccessRequestCounts } from '../access-requests/access-request-lists.ts';
import type { Identity, PortalDomain } from '../domain.ts';
import { adminOrganizationIds } from '../organizations/access.ts';
import { Organization, PartnerLink } from '../organizations/organization.entity.ts';

/** What "Our CustomerSource Accounts" lists: own organizations administered, and their customers. */
export async function administeredOrganizations(
  domain: PortalDomain,
  identity: Identity,
): Promise<Organization[]> {
  const em = domain.orm.em.fork();
  const own = await adminOrganizationIds(em, identity);
  if (own.length === 0) return [];
  const links = await em.find(PartnerLink, { partnerId: { $in: own } });
  const ids = [...new Set([...own, ...links.map((l) => l.customerId)])];
  return em.find(Organization, { id: { $in: ids } }, { orderBy: { name: 'asc', id: 'asc' } });
}

/** "Our CustomerSource Accounts": the organizations, and how many access requests wait in each. */
export async function accountsPage(
  domain: PortalDomain,
  identity: Identity,
): Promise<{ organizations: Organization[]; pendingRequests: Record<string, number> }> {
  const organizations = await administeredOrganizations(domain, identity);
  const pendingRequests = await pendingAccessRequestCounts(
    domain.orm,
    organizations.map((o) => o.id),
  );
  return { organizations, pendingRequests };
}
