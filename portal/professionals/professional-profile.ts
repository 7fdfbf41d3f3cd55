import { isId } from '../../adapters/db/ids.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { assertAdministers } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { rolesOf } from './mandatory-roles.ts';
import type { Roles } from './profile-input.ts';

/** A professional with the roles they hold in their organization, as the pages show them. */
export interface ProfessionalRow {
  readonly professional: Professional;
  readonly roles: Roles;
}

/** One professional's profile in its organization, for its administrators; anyone else: not found. */
export async function professionalProfile(
  domain: PortalDomain,
  actor: Actor,
  organizationId: string,
  professionalId: string,
): Promise<{ organization: Organization } & ProfessionalRow> {
  const em = domain.orm.em.fork();
  await assertAdministers(em, actor, organizationId);
  if (!isId(professionalId)) throw portalErrors.notFound();
  const professional = await em.findOne(
    Professional,
    { id: professionalId, organization: organizationId },
    { populate: ['organization'] },
  );
  if (!professional) throw portalErrors.notFound();
  const organization = professional.organization;
  return { organization, professional, roles: rolesOf(organization, professional) };
}
