import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { isId } from '../../adapters/db/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { issueInvitation } from '../invitations/issue-invitation.ts';
import { lockAdministeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { assertNotLastAdministrator } from './last-administrator.ts';
import { applyRoles, assertHoldsNoMandatoryRole } from './mandatory-roles.ts';
import { likeLiteral, NO_ROLES, type ProfileInput, parseProfile, type Roles } from './profile-input.ts';

interface Target {
  readonly actor: Actor;
  readonly organizationId: string;
}

/** "Add New Professionals": the profile, its roles, and (by default) the invitation e-mail. */
export async function addProfessional(
  domain: PortalDomain,
  input: Target & { profile: ProfileInput; roles?: Roles; sendInvitation?: boolean },
): Promise<{ professional: Professional; invitationLink?: string }> {
  const profile = parseProfile(input.profile);
  return domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    await assertEmailFree(tx, organization, profile.email);
    const professional = tx.create(Professional, {
      id: randomUUID(),
      organization,
      ...profile,
      isAdministrator: false,
      status: 'not_invited',
    });
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'professional.added',
      target: professional.fullName(),
    });
    await applyRoles(tx, input.actor, organization, professional, input.roles ?? NO_ROLES);
    const invitationLink =
      input.sendInvitation === false
        ? undefined
        : await issueInvitation(tx, domain, input.actor, organization, professional);
    return { professional, invitationLink };
  });
}

/** "Edit" then "Save": profile and roles of an existing professional. */
export async function updateProfessional(
  domain: PortalDomain,
  input: Target & { professionalId: string; profile: ProfileInput; roles: Roles },
): Promise<Professional> {
  const profile = parseProfile(input.profile);
  return domain.orm.em.fork().transactional(async (tx) => {
    const { organization, professional } = await lockProfessional(tx, input);
    if (profile.email.toLowerCase() !== professional.email.toLowerCase()) {
      await assertEmailFree(tx, organization, profile.email);
    }
    Object.assign(professional, profile);
    await applyRoles(tx, input.actor, organization, professional, input.roles);
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'professional.edited',
      target: professional.fullName(),
    });
    return professional;
  });
}

/** "Delete": refused while they hold a mandatory role, or are the last Administrator who can act. */
export async function deleteProfessional(
  domain: PortalDomain,
  input: Target & { professionalId: string },
): Promise<void> {
  await domain.orm.em.fork().transactional(async (tx) => {
    const { organization, professional } = await lockProfessional(tx, input);
    await removeProfessional(tx, input.actor, organization, professional);
  });
}

/**
 * Delete inside the caller's transaction, which holds the organization's lock: refused while they
 * hold a mandatory role or are the last Administrator who can act. Their invitations go with the
 * row (so no link of theirs works), and the membership gate refuses their very next request.
 * Flushed at once, so a later check in the same transaction counts them as gone.
 */
export async function removeProfessional(
  tx: EntityManager,
  actor: Actor,
  organization: Organization,
  professional: Professional,
): Promise<void> {
  assertHoldsNoMandatoryRole(organization, professional);
  if (professional.isAdministrator) await assertNotLastAdministrator(tx, organization, professional);
  tx.remove(professional);
  recordAudit(tx, {
    organizationId: organization.id,
    actor,
    action: 'professional.deleted',
    target: professional.fullName(),
  });
  await tx.flush();
}

/** "Send Invite E-mail": a new link; the previous one stops working. */
export async function sendInvitation(
  domain: PortalDomain,
  input: Target & { professionalId: string },
): Promise<string> {
  return domain.orm.em.fork().transactional(async (tx) => {
    const { organization, professional } = await lockProfessional(tx, input);
    return issueInvitation(tx, domain, input.actor, organization, professional);
  });
}

/** Load one professional of an organization the actor administers, with the organization locked. */
async function lockProfessional(
  tx: EntityManager,
  input: Target & { professionalId: string },
): Promise<{ organization: Organization; professional: Professional }> {
  const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
  if (!isId(input.professionalId)) throw portalErrors.notFound();
  const professional = await tx.findOne(
    Professional,
    { id: input.professionalId, organization: organization.id },
    { refresh: true },
  );
  if (!professional) throw portalErrors.notFound();
  return { organization, professional };
}

async function assertEmailFree(tx: EntityManager, organization: Organization, email: string): Promise<void> {
  const taken = await tx.count(Professional, {
    organization: organization.id,
    email: { $ilike: likeLiteral(email) },
  });
  if (taken > 0) throw portalErrors.emailTaken();
}
