import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import { newAccountNumber } from '../access-requests/account-number.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { issueInvitation } from '../invitations/issue-invitation.ts';
import {
  ORGANIZATION_KINDS,
  Organization,
  type OrganizationKind,
} from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { formText, type ProfileInput, parseProfile } from '../professionals/profile-input.ts';

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
    accountNumber: await newAccountNumber(tx),
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
