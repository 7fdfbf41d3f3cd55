import type { EntityManager } from '@mikro-orm/core';
import type { Organization } from '../organizations/organization.entity.ts';
import { PartnerLink } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';

/** Administrators who can act: bound to an IdP account (status active, invitation claimed). */
const BOUND = { isAdministrator: true, status: 'active', idpSubject: { $ne: null } } as const;

/**
 * DESIGN "Administrators who can act": an organization keeps at least one Administrator bound to
 * an IdP account, or a linked partner with one. Refuse to take the Administrator role (or the
 * professional) away from `leaving` when that would leave nobody able to sign in and administer:
 *
 * - another bound Administrator of the organization, or a bound Administrator of a linked partner
 *   (who administers it as well, J8), can act: allowed;
 * - else, if `leaving` is bound: refused, `LAST_BOUND_ADMINISTRATOR` while the other
 *   Administrators are only invited, `LAST_ADMINISTRATOR` when there is no other;
 * - else (`leaving` never signed in, so removing them leaves as many who can act): allowed while
 *   another Administrator remains, so an organization never has none (`LAST_ADMINISTRATOR`).
 *
 * The caller holds the organization row lock (`lockAdministeredOrganization`), so two
 * administrators removing each other are serialised and the second sees the first's result. A
 * partner's bound Administrators are read without locking the partner: the same rule keeps the
 * partner's own count from dropping to zero (a partner has no partner of its own), so what was
 * read cannot vanish before this transaction commits.
 */
export async function assertNotLastAdministrator(
  tx: EntityManager,
  organization: Organization,
  leaving: Professional,
): Promise<void> {
  const others = { organization: organization.id, id: { $ne: leaving.id } };
  if ((await tx.count(Professional, { ...others, ...BOUND })) > 0) return;
  if (await partnerCanAct(tx, organization)) return;
  const otherAdministrators = await tx.count(Professional, { ...others, isAdministrator: true });
  if (otherAdministrators === 0) throw portalErrors.lastAdministrator(leaving.fullName());
  if (leaving.isBound()) throw portalErrors.lastBoundAdministrator(leaving.fullName());
}

/** A partner linked to the organization has an Administrator bound to an IdP account. */
async function partnerCanAct(tx: EntityManager, organization: Organization): Promise<boolean> {
  const links = await tx.find(PartnerLink, { customerId: organization.id }, { fields: ['partnerId'] });
  if (links.length === 0) return false;
  const partnerIds = links.map((link) => link.partnerId);
  return (await tx.count(Professional, { organization: { $in: partnerIds }, ...BOUND })) > 0;
}
