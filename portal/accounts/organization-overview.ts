import type { AccessRequest } from '../access-requests/access-request.entity.ts';
import { pendingAccessRequests } from '../access-requests/access-request-lists.ts';
import { type ReviewSummary, reviewSummary } from '../access-reviews/access-review.ts';
import { recentAuditEvents } from '../audit/audit.ts';
import type { AuditEvent } from '../audit/audit-event.entity.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import {
  type ListQuery,
  type ProfessionalListView,
  professionalListView,
  professionalPage,
} from '../professionals/professional-list.ts';
import type { VerifiedDomain } from '../verified-domains/verified-domain.entity.ts';
import { domainsOf } from '../verified-domains/verified-domains.ts';

/**
 * An organization's page: one page of its professionals (searched, sorted, paged: `listQuery`),
 * its verified domains, pending access requests, review summary and recent audit events.
 * Only for an administrator of it (or of a partner of it); anyone else is told it does not exist.
 */
export async function organizationOverview(
  domain: PortalDomain,
  actor: Actor,
  organizationId: string,
  listQuery: ListQuery,
): Promise<{
  organization: Organization;
  professionalList: ProfessionalListView;
  verifiedDomains: VerifiedDomain[];
  events: AuditEvent[];
  accessRequests: AccessRequest[];
  review: ReviewSummary;
}> {
  const organization = await administeredOrganization(domain, actor, organizationId);
  // Independent reads, each on its own fork of the entity manager, in parallel.
  const em = () => domain.orm.em.fork();
  const [professionals, verifiedDomains, events, accessRequests, review] = await Promise.all([
    professionalPage(domain.orm, organization, listQuery),
    domainsOf(em(), organization.id),
    recentAuditEvents(em(), organization.id),
    pendingAccessRequests(em(), organization.id),
    reviewSummary(domain, organization),
  ]);
  return {
    organization,
    professionalList: professionalListView(`/accounts/${organization.id}`, professionals),
    verifiedDomains,
    events,
    accessRequests,
    review,
  };
}
