import type { EntityManager } from '@mikro-orm/core';
import type { Database } from '../../adapters/db/database.ts';
import { query, statement } from '../../adapters/db/statements.ts';
import type { Identity, PortalDomain, VerifiedIdentity } from '../domain.ts';
import { organizationsSuggestedTo, type SuggestedOrganization } from '../verified-domains/suggestions.ts';
import { AccessRequest } from './access-request.entity.ts';

/** The pending requests of an organization, oldest first: its page's **Access requests**. */
export function pendingAccessRequests(em: EntityManager, organizationId: string): Promise<AccessRequest[]> {
  return em.find(
    AccessRequest,
    { organization: organizationId, status: 'pending' },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
}

/** How many requests wait in each of these organizations (those with none are left out). */
export async function pendingAccessRequestCounts(
  orm: Database,
  organizationIds: readonly string[],
): Promise<Record<string, number>> {
  if (organizationIds.length === 0) return {};
  const rows = await query<{ organization_id: string; n: number }>(orm, PENDING_COUNTS, [organizationIds]);
  return Object.fromEntries(rows.map((r) => [r.organization_id, r.n]));
}

const PENDING_COUNTS = statement(
  'portal.access-request.pending-counts',
  `select organization_id, count(*)::int as n from portal.access_request
   where status = 'pending' and organization_id = any($1::uuid[]) group by organization_id`,
);

/** What the J12 page shows of access requests: the organizations offered, and the person's requests. */
export interface RequestAccessPage {
  readonly suggestions: readonly (SuggestedOrganization & { pending: boolean })[];
  readonly requests: readonly AccessRequest[];
}

/** The person's own requests, newest first (their status, a decline's reason), and the offers. */
export async function requestAccessPage(
  domain: PortalDomain,
  person: VerifiedIdentity & Identity,
): Promise<RequestAccessPage> {
  const em = domain.orm.em.fork();
  const suggested = await organizationsSuggestedTo(em, person);
  const requests = await em.find(
    AccessRequest,
    { requesterIssuer: person.issuer, requesterSubject: person.subject },
    { populate: ['organization'], orderBy: { createdAt: 'desc', id: 'desc' }, limit: 20 },
  );
  const pendingIn = new Set(requests.filter((r) => r.status === 'pending').map((r) => r.organization.id));
  return {
    suggestions: suggested.map((o) => ({ ...o, pending: pendingIn.has(o.id) })),
    requests,
  };
}
