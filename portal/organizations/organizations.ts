import { randomUUID } from 'node:crypto';
import { type EntityManager, LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import { isId } from '../../adapters/db/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Actor, Identity, PortalDomain } from '../domain.ts';
import { issueInvitation } from '../invitations/issue-invitation.ts';
import { activeMemberships, type Membership } from '../membership/membership.ts';
import { portalErrors } from '../portal-errors.ts';
import { Professional } from '../professionals/professional.entity.ts';
import { formText, type ProfileInput, parseProfile } from '../professionals/profile-input.ts';
import { adminOrganizationIds } from './access.ts';
import {
  ORGANIZATION_KINDS,
  Organization,
  type OrganizationKind,
  PartnerLink,
} from './organization.entity.ts';

export interface CreateOrganizationInput {
  readonly actor: Actor;
  readonly name: string;
  readonly kind?: OrganizationKind;
  readonly allowAnyAccount?: boolean;
  readonly admin: ProfileInput;
  readonly sendInvitation?: boolean;
}

const orgSchema = z.object({
  name: formText().min(1, 'Enter the organization name.').max(200, 'Use at most 200 characters.'),
  kind: z.enum(ORGANIZATION_KINDS, 'Choose customer or partner.').default('customer'),
});

export interface CreatedOrganization {
  readonly organization: Organization;
  readonly admin: Professional;
  readonly invitationLink?: string;
}

/**
 * A new organization and its first professional, who holds all three roles (Administrator,
 * Billing Contact, Shipping Contact); the invitation e-mail goes out in the same transaction.
 */
export function createOrganization(
  domain: PortalDomain,
  input: CreateOrganizationInput,
): Promise<CreatedOrganization> {
  return domain.orm.em.fork().transactional((tx) => createOrganizationIn(tx, domain, input));
}

/** `createOrganization` inside the caller's transaction (which may hold a lock first). */
export async function createOrganizationIn(
  tx: EntityManager,
  domain: PortalDomain,
  input: CreateOrganizationInput,
): Promise<CreatedOrganization> {
  const parsed = orgSchema.safeParse({ name: input.name, kind: input.kind });
  if (!parsed.success) {
    throw portalErrors.invalidInput(
      Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message])),
    );
  }
  const profile = parseProfile(input.admin);
  const organizationId = randomUUID();
  const adminId = randomUUID();
  const organization = tx.create(Organization, {
    id: organizationId,
    name: parsed.data.name,
    kind: parsed.data.kind,
    allowAnyAccount: input.allowAnyAccount ?? false,
    billingContactId: adminId,
    shippingContactId: adminId,
  });
  const admin = tx.create(Professional, {
    id: adminId,
    organization,
    ...profile,
    isAdministrator: true,
    status: 'not_invited',
  });
  recordAudit(tx, {
    organizationId,
    actor: input.actor,
    action: 'organization.created',
    target: organization.name,
  });
  recordAudit(tx, {
    organizationId,
    actor: input.actor,
    action: 'professional.added',
    target: admin.fullName(),
  });
  const invitationLink =
    input.sendInvitation === false
      ? undefined
      : await issueInvitation(tx, domain, input.actor, organization, admin);
  return { organization, admin, invitationLink };
}

/** Make `partnerId` (a partner organization) a partner of `customerId`; linking twice is a no-op. */
export async function linkPartner(
  domain: PortalDomain,
  input: { actor: Actor; partnerId: string; customerId: string },
): Promise<void> {
  if (!isId(input.partnerId) || !isId(input.customerId)) throw portalErrors.notFound();
  await domain.orm.em.fork().transactional(async (tx) => {
    const orgs = await tx.find(
      Organization,
      { id: { $in: [input.partnerId, input.customerId] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
    const partner = orgs.find((o) => o.id === input.partnerId);
    const customer = orgs.find((o) => o.id === input.customerId);
    if (!partner || !customer) throw portalErrors.notFound();
    if (partner.kind !== 'partner' || customer.kind !== 'customer' || input.actor.identity) {
      throw portalErrors.invalidInput({ partner: 'Link a partner organization to a customer organization.' });
    }
    if (await tx.count(PartnerLink, { partnerId: partner.id, customerId: customer.id })) return;
    tx.create(PartnerLink, { partnerId: partner.id, customerId: customer.id });
    recordAudit(tx, {
      organizationId: customer.id,
      actor: input.actor,
      action: 'partner.linked',
      target: partner.name,
    });
  });
}

/** What "Our CustomerSource Accounts" lists: own organizations administered, and their customers. */
export async function administeredOrganizations(
  domain: PortalDomain,
  identity: Identity,
): Promise<Organization[]> {
  const em = domain.orm.em.fork();
  const own = await adminOrganizationIds(em, identity);
  if (own.length === 0) return [];
  const links = await em.find(PartnerLink, { partnerId: { $in: own } });
  const ids = [...new Set([...own, ...links.map((l) => l.customerId)])];
  return em.find(Organization, { id: { $in: ids } }, { orderBy: { name: 'asc', id: 'asc' } });
}

/** The organizations in which the identity is an active professional (the membership gate). */
export function memberships(domain: PortalDomain, identity: Identity): Promise<Membership[]> {
  return activeMemberships(domain.orm, identity);
}
