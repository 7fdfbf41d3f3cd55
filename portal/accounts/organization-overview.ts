import type { AccessRequest } from '../access-requests/access-request.entity.ts';
import { pendingAccessRequests } from '../access-requests/access-request-lists.ts';
import { type ReviewSummary, reviewSummary } from '../access-reviews/access-review.ts';
import { recentAuditEvents } from '../audit/audit.ts';
import type { AuditEvent } from '../audit/audit-event.entity.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { rolesOf } from '../professionals/mandatory-roles.ts';
import type { ProfessionalRow } from '../professionals/professional-profile.ts';
import type { VerifiedDomain } from '../verified-domains/verified-domain.entity.ts';
import { domainsOf } from '../verified-domains/verified-domains.ts';

/**
 * An organization's page: its professionals with roles and status, its verified domains, and its
 * recent audit events.
 * Only for an administrator of it (or of a partner of it); anyone else is told it does not exist.
 */
export async function organizationOverview(
  domain: PortalDomain,
  actor: Actor,
  organizationId: string,
): Promise<{
  organization: Organization;
  professionals: ProfessionalRow[];
  verifiedDomains: VerifiedDomain[];
  events: AuditEvent[];
  accessRequests: AccessRequest[];
  review: ReviewSummary;
}> {
  const organization = await administeredOrganization(domain, actor, organizationId);
  const em = domain.orm.em.fork();
  const rows = await em.find(
    Professional,
    { organization: organization.id },
    { orderBy: { familyName: 'asc', givenName: 'asc', id: 'asc' } },
  );
  const professionals = rows.map((professional) => ({
    professional,
    roles: rolesOf(organization, professional),
  }));
  return {
    organization,
    professionals,
    verifiedDomains: await domainsOf(em, organization.id),
    events: await recentAuditEvents(em, organization.id),
    accessRequests: await pendingAccessRequests(em, organization.id),
    review: await reviewSummary(domain, organization),
  };
}
