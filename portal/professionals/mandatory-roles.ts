import type { EntityManager } from '@mikro-orm/core';
import { recordAudit } from '../audit/audit.ts';
import type { Actor } from '../domain.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import type { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { assertNotLastAdministrator } from './last-administrator.ts';
import type { Roles } from './profile-input.ts';

const MANDATORY_ROLES = [
  { key: 'billingContact', column: 'billingContactId', label: 'Billing Contact' },
  { key: 'shippingContact', column: 'shippingContactId', label: 'Shipping Contact' },
] as const;

/** The mandatory roles a professional holds now. */
export function rolesOf(organization: Organization, professional: Professional): Roles {
  return {
    administrator: professional.isAdministrator,
    billingContact: organization.billingContactId === professional.id,
    shippingContact: organization.shippingContactId === professional.id,
  };
}

/**
 * Apply the wanted roles: giving a mandatory role moves it to this professional; taking it away
 * from its holder is refused (someone else must receive it first); dropping the Administrator
 * role is refused when no Administrator who can act would remain (`assertNotLastAdministrator`).
 */
export async function applyRoles(
  tx: EntityManager,
  actor: Actor,
  organization: Organization,
  professional: Professional,
  wanted: Roles,
): Promise<void> {
  for (const role of MANDATORY_ROLES) {
    const holds = organization[role.column] === professional.id;
    if (wanted[role.key] && !holds) {
      organization[role.column] = professional.id;
      recordAudit(tx, {
        organizationId: organization.id,
        actor,
        action: 'role.moved',
        target: professional.fullName(),
        detail: { role: role.label },
      });
    } else if (!wanted[role.key] && holds) {
      throw portalErrors.mandatoryRoleHeld(role.label, professional.fullName());
    }
  }
  if (professional.isAdministrator && !wanted.administrator)
    await assertNotLastAdministrator(tx, organization, professional);
  professional.isAdministrator = wanted.administrator;
}

/** Refuse to delete the holder of a mandatory role, naming it. */
export function assertHoldsNoMandatoryRole(organization: Organization, professional: Professional): void {
  for (const role of MANDATORY_ROLES) {
    if (organization[role.column] === professional.id) {
      throw portalErrors.mandatoryRoleHeld(role.label, professional.fullName());
    }
  }
}
