import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import { isId } from '../../adapters/db/ids.ts';
import { parseForm } from '../../adapters/http/forms.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { administeredOrganization, lockAdministeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { domainErrors } from './domain-errors.ts';
import { isPublicMailDomain, normalizeDomain } from './domain-name.ts';
import { ownerConflict } from './ownership.ts';
import { ENROLMENT_MODES, type EnrolmentMode, VerifiedDomain } from './verified-domain.entity.ts';

export interface DomainTarget {
  readonly actor: Actor;
  readonly organizationId: string;
  readonly domainId: string;
}

/** The Verified domains of an organization, for its page (the caller has checked who asks). */
export function domainsOf(em: EntityManager, organizationId: string): Promise<VerifiedDomain[]> {
  return em.find(VerifiedDomain, { organization: organizationId }, { orderBy: { domain: 'asc' } });
}

/** One domain of an organization the actor administers, for its page; not found otherwise. */
export async function administeredDomain(
  domain: PortalDomain,
  target: DomainTarget,
): Promise<{ organization: Organization; verifiedDomain: VerifiedDomain }> {
  const organization = await administeredOrganization(domain, target.actor, target.organizationId);
  const verifiedDomain = await findDomain(domain.orm.em.fork(), organization, target.domainId);
  return { organization, verifiedDomain };
}

/**
 * "Add domain": the domain, normalized, with a new random challenge for its TXT record; audited.
 * Refused with a message on the field: bad input, a public mail service, a domain this
 * organization has already, and one (or a parent or subdomain of one) another organization has
 * verified. It is not verified until "Verify" finds the record.
 */
export async function addDomain(
  domain: PortalDomain,
  input: { actor: Actor; organizationId: string; domain: string },
): Promise<VerifiedDomain> {
  const name = normalizeDomain(input.domain);
  if (isPublicMailDomain(name)) throw domainErrors.publicMail(name);
  return domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    if ((await tx.count(VerifiedDomain, { organization, domain: name })) > 0)
      throw domainErrors.alreadyAdded(name);
    const conflict = await ownerConflict(tx, organization.id, name);
    if (conflict) throw conflict;
    const row = tx.create(VerifiedDomain, {
      id: randomUUID(),
      organization,
      domain: name,
      challenge: newChallenge(),
      enrolment: 'requests_only',
    });
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'domain.added',
      target: name,
    });
    return row;
  });
}

/** The enrolment form of a domain's page. */
export const enrolmentForm = z.object({
  enrolment: z.enum(ENROLMENT_MODES, { error: 'Choose how people of this domain may join.' }),
});

/** Requests only, Suggest this organization, or Join automatically; audited when it changes. */
export async function setEnrolment(
  domain: PortalDomain,
  input: DomainTarget & { enrolment: string },
): Promise<void> {
  const { enrolment } = parseForm(enrolmentForm, { enrolment: input.enrolment });
  await domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    const row = await findDomain(tx, organization, input.domainId);
    if (row.enrolment === enrolment) return;
    const from: EnrolmentMode = row.enrolment;
    row.enrolment = enrolment;
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'domain.enrolment-changed',
      target: row.domain,
      detail: { from, to: enrolment },
    });
  });
}

/** "Remove domain": people of it no longer join or see the organization; audited. */
export async function removeDomain(domain: PortalDomain, input: DomainTarget): Promise<void> {
  await domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    const row = await findDomain(tx, organization, input.domainId);
    tx.remove(row);
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'domain.removed',
      target: row.domain,
      detail: { wasVerified: row.verifiedAt !== null },
    });
  });
}

/** A domain of this organization; another organization's, or none, is not found. */
export async function findDomain(
  em: EntityManager,
  organization: Organization,
  domainId: string,
): Promise<VerifiedDomain> {
  if (!isId(domainId)) throw portalErrors.notFound();
  const row = await em.findOne(VerifiedDomain, { id: domainId, organization }, { refresh: true });
  if (!row) throw portalErrors.notFound();
  return row;
}

// 24 random bytes: the value cannot be guessed, so only who controls the zone can publish it.
function newChallenge(): string {
  return `gatehouse-domain-verification=${randomBytes(24).toString('base64url')}`;
}
