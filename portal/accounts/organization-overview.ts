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

/**
 * An organization's page: one page of its professionals (searched, sorted, paged: `listQuery`),
 * and its recent audit events. Only for an administrator of it (or of a partner of it); anyone
 * else is told it does not exist.
 */
export async function organizationOverview(
  domain: PortalDomain,
  actor: Actor,
  organizationId: string,
  listQuery: ListQuery,
): Promise<{ organization: Organization; professionalList: ProfessionalListView; events: AuditEvent[] }> {
  const organization = await administeredOrganization(domain, actor, organizationId);
  const em = domain.orm.em.fork();
  const [professionals, events] = await Promise.all([
    professionalPage(domain.orm, organization, listQuery),
    recentAuditEvents(em, organization.id),
  ]);
  const professionalList = professionalListView(`/accounts/${organization.id}`, professionals);
  return { organization, professionalList, events };
}
