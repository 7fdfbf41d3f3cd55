import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { issueInvitation } from '../invitations/issue-invitation.ts';
import { lockAdministeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { likeLiteral, type ProfileInput, parseProfile } from './profile-input.ts';

export interface AddedAdministrator {
  readonly organization: Organization;
  readonly professional: Professional;
  /** False when a professional with this e-mail already belonged to the organization. */
  readonly created: boolean;
  readonly invitationLink: string;
}

/**
 * DESIGN "Administrators who can act": an operator adds an Administrator to an existing
 * organization (recovery, `org add-admin`). A professional of the organization with this e-mail
 * (case-insensitive) keeps their profile and gets the Administrator role; anyone else is added.
 * Either way a fresh invitation is e-mailed (an older link stops working), in one transaction
 * with the organization row locked, like every change of an organization.
 */
export async function addAdministrator(
  domain: PortalDomain,
  input: { actor: Actor; organizationId: string; profile: ProfileInput },
): Promise<AddedAdministrator> {
  const profile = parseProfile(input.profile);
  return domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    const existing = await tx.findOne(
      Professional,
      { organization: organization.id, email: { $ilike: likeLiteral(profile.email) } },
      { refresh: true },
    );
    const professional =
      existing ??
      tx.create(Professional, {
        id: randomUUID(),
        organization,
        ...profile,
        isAdministrator: true,
        status: 'not_invited',
      });
    if (!existing) {
      recordAudit(tx, {
        organizationId: organization.id,
        actor: input.actor,
        action: 'professional.added',
        target: professional.fullName(),
      });
    }
    if (!existing?.isAdministrator) {
      professional.isAdministrator = true;
      recordAudit(tx, {
        organizationId: organization.id,
        actor: input.actor,
        action: 'role.granted',
        target: professional.fullName(),
        detail: { role: 'Administrator' },
      });
    }
    const invitationLink = await issueInvitation(tx, domain, input.actor, organization, professional);
    return { organization, professional, created: !existing, invitationLink };
  });
}
