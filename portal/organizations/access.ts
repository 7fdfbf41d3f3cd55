import { type EntityManager, LockMode } from '@mikro-orm/core';
import { isId } from '../../adapters/db/ids.ts';
import type { Actor, Identity } from '../domain.ts';
import { portalErrors } from '../portal-errors.ts';
import { Professional } from '../professionals/professional.entity.ts';
import { Organization, PartnerLink } from './organization.entity.ts';

/**
 * Lock the organization row (`SELECT … FOR UPDATE`) for the rest of the transaction, after
 * checking the actor administers it. Every change to an organization starts here, so concurrent
 * administrators are serialised and each sees the other's committed result. An organization the
 * actor does not administer is reported as not found (no existence oracle).
 */
export async function lockAdministeredOrganization(
  tx: EntityManager,
  actor: Actor,
  organizationId: string,
): Promise<Organization> {
  if (!isId(organizationId)) throw portalErrors.notFound();
  const organization = await tx.findOne(
    Organization,
    { id: organizationId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  if (!organization) throw portalErrors.notFound();
  if (actor.identity && !(await administers(tx, actor.identity, organizationId)))
    throw portalErrors.notFound();
  return organization;
}

/** An administrator of the organization itself, or of a partner organization linked to it. */
export async function administers(
  em: EntityManager,
  identity: Identity,
  organizationId: string,
): Promise<boolean> {
  if (!isId(organizationId)) return false;
  const adminOf = await adminOrganizationIds(em, identity);
  if (adminOf.includes(organizationId)) return true;
  if (adminOf.length === 0) return false;
  const link = await em.count(PartnerLink, { customerId: organizationId, partnerId: { $in: adminOf } });
  return link > 0;
}

/** Organizations in which the identity is a (claimed) Administrator. */
export async function adminOrganizationIds(em: EntityManager, identity: Identity): Promise<string[]> {
  const rows = await em.find(
    Professional,
    { idpIssuer: identity.issuer, idpSubject: identity.subject, isAdministrator: true },
    { fields: ['organization'] },
  );
  return rows.map((p) => p.organization.id);
}
