import { isId } from '../../adapters/db/ids.ts';
import { recentAuditEvents } from '../audit/audit.ts';
import type { AuditEvent } from '../audit/audit-event.entity.ts';
import type { PortalDomain } from '../domain.ts';
import { portalErrors } from '../portal-errors.ts';
import { rolesOf } from '../professionals/mandatory-roles.ts';
import { Professional } from '../professionals/professional.entity.ts';
import type { Roles } from '../professionals/profile-input.ts';
import { Organization } from './organization.entity.ts';

export interface ProfessionalRow {
  readonly professional: Professional;
  readonly roles: Roles;
}

/** An organization's page: its professionals with roles and status, and its recent audit events. */
export async function organizationOverview(
  domain: PortalDomain,
  organizationId: string,
): Promise<{ organization: Organization; professionals: ProfessionalRow[]; events: AuditEvent[] }> {
  const em = domain.orm.em.fork();
  const organization = isId(organizationId) ? await em.findOne(Organization, { id: organizationId }) : null;
  if (!organization) throw portalErrors.notFound();
  const rows = await em.find(
    Professional,
    { organization: organization.id },
    { orderBy: { familyName: 'asc', givenName: 'asc', id: 'asc' } },
  );
  const professionals = rows.map((professional) => ({
    professional,
    roles: rolesOf(organization, professional),
  }));
  return { organization, professionals, events: await recentAuditEvents(em, organization.id) };
}

/** One professional's profile in its organization, or not found. */
export async function professionalProfile(
  domain: PortalDomain,
  organizationId: string,
  professionalId: string,
): Promise<{ organization: Organization } & ProfessionalRow> {
  const em = domain.orm.em.fork();
  if (!isId(organizationId) || !isId(professionalId)) throw portalErrors.notFound();
  const professional = await em.findOne(
    Professional,
    { id: professionalId, organization: organizationId },
    { populate: ['organization'] },
  );
  if (!professional) throw portalErrors.notFound();
  const organization = professional.organization;
  return { organization, professional, roles: rolesOf(organization, professional) };
}
