import { type EntityManager, LockMode } from '@mikro-orm/core';
import { isId } from '../../adapters/db/ids.ts';
import type { Actor, Identity, PortalDomain } from '../domain.ts';
import { portalErrors } from '../portal-errors.ts';
import { Organization, PartnerLink } from './organization.entity.ts';
import { Professional } from './professional.entity.ts';

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
  await assertAdministers(tx, actor, organizationId);
  return organization;
}

/**
 * The one authorization check of the administration pages and commands: a signed-in actor must
 * administer the organization (or a partner of it); the system actor (CLI, demo seed) is trusted.
 * Anything else is reported as not found, so the answer says nothing of what exists.
 */
export async function assertAdministers(
  em: EntityManager,
  actor: Actor,
  organizationId: string,
): Promise<void> {
  if (!isId(organizationId)) throw portalErrors.notFound();
  if (actor.identity && !(await administers(em, actor.identity, organizationId)))
    throw portalErrors.notFound();
}

/** The organization, read for a page of its administration (no lock): not found unless administered. */
export async function administeredOrganization(
  domain: PortalDomain,
  actor: Actor,
  organizationId: string,
): Promise<Organization> {
  const em = domain.orm.em.fork();
  await assertAdministers(em, actor, organizationId);
  const organization = await em.findOne(Organization, { id: organizationId });
  if (!organization) throw portalErrors.notFound();
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
