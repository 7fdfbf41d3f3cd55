import { randomUUID } from 'node:crypto';
import { type EntityManager, LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import { isId } from '../../adapters/db/ids.ts';
import { parseForm } from '../../adapters/http/forms.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { recordAudit } from '../audit/audit.ts';
import { type Actor, nowOf, type PortalDomain } from '../domain.ts';
import { lockAdministeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { applyRoles } from '../professionals/mandatory-roles.ts';
import { formText, likeLiteral, type Roles } from '../professionals/profile-input.ts';
import { AccessRequest } from './access-request.entity.ts';
import { accessRequestErrors } from './access-request-errors.ts';
import { accessApprovedMail, accessDeclinedMail } from './access-request-mail.ts';
import { MESSAGE_MAX } from './request-access.ts';

interface Decision {
  readonly actor: Actor;
  readonly organizationId: string;
  readonly requestId: string;
}

/** **Decline**'s optional reason. */
export const declineForm = z.object({
  reason: formText()
    .max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX} characters.`)
    .optional()
    .transform((v) => (v ? v : null)),
});

/**
 * J17 **Approve**: the requester becomes an active professional of the organization at once,
 * bound to the IdP identity they asked with (no invitation), with the roles chosen (Billing and
 * Shipping Contact move to them as on Add New Professionals); they are told by e-mail. Audited.
 */
export async function approveRequest(
  domain: PortalDomain,
  input: Decision & { roles: Roles },
): Promise<Professional> {
  return domain.orm.em.fork().transactional(async (tx) => {
    const { organization, request, now } = await lockPendingRequest(tx, domain, input);
    const taken = await tx.findOne(Professional, {
      organization: organization.id,
      $or: [
        { idpIssuer: request.requesterIssuer, idpSubject: request.requesterSubject },
        { email: { $ilike: likeLiteral(request.requesterEmail) } },
      ],
    });
    if (taken?.idpSubject === request.requesterSubject && taken.idpIssuer === request.requesterIssuer)
      throw accessRequestErrors.alreadyProfessional(organization.name, request.requesterName);
    if (taken) throw accessRequestErrors.emailTaken(request.requesterEmail);
    const { givenName, familyName } = namesOf(request.requesterName);
    const professional = tx.create(Professional, {
      id: randomUUID(),
      organization,
      givenName,
      familyName,
      email: request.requesterEmail,
      isAdministrator: false,
      status: 'active',
      idpIssuer: request.requesterIssuer,
      idpSubject: request.requesterSubject,
    });
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'professional.added',
      target: professional.fullName(),
    });
    await applyRoles(tx, input.actor, organization, professional, input.roles);
    decide(request, 'approved', input.actor, now);
    enqueueMail(
      tx,
      accessApprovedMail({
        to: request.requesterEmail,
        givenName,
        organizationName: organization.name,
        productName: domain.productName,
        portalUrl: domain.portalUrl,
      }),
    );
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'request.approved',
      target: request.requesterName,
      detail: { email: request.requesterEmail },
    });
    return professional;
  });
}

/** J17 **Decline**, with an optional reason the requester receives by e-mail. Audited. */
export async function declineRequest(
  domain: PortalDomain,
  input: Decision & { reason?: string },
): Promise<void> {
  const { reason } = parseForm(declineForm, { reason: input.reason });
  await domain.orm.em.fork().transactional(async (tx) => {
    const { organization, request, now } = await lockPendingRequest(tx, domain, input);
    decide(request, 'declined', input.actor, now);
    request.declineReason = reason;
    enqueueMail(
      tx,
      accessDeclinedMail({
        to: request.requesterEmail,
        givenName: namesOf(request.requesterName).givenName,
        organizationName: organization.name,
        productName: domain.productName,
        portalUrl: domain.portalUrl,
        reason,
      }),
    );
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'request.declined',
      target: request.requesterName,
      detail: { email: request.requesterEmail, ...(reason ? { reason } : {}) },
    });
  });
}

/**
 * The organization (locked, administered by the actor, or not found) and its request, locked too,
 * still pending. Two administrators deciding at once queue on the organization's row: the second
 * finds the first's decision and is told who made it and when. The request's row lock keeps the
 * expiry pass from expiring it meanwhile.
 */
async function lockPendingRequest(
  tx: EntityManager,
  domain: PortalDomain,
  input: Decision,
): Promise<{ organization: Organization; request: AccessRequest; now: Date }> {
  const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
  if (!isId(input.requestId)) throw portalErrors.notFound();
  // Another organization's request is not found here, whoever asks.
  const request = await tx.findOne(
    AccessRequest,
    { id: input.requestId, organization: organization.id },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  if (!request) throw portalErrors.notFound();
  const now = nowOf(domain);
  if (request.status === 'approved' || request.status === 'declined')
    throw accessRequestErrors.decided(
      request.status,
      request.decidedBy ?? 'an administrator',
      request.decidedAt!,
    );
  if (request.status === 'expired') throw accessRequestErrors.expired(request.decidedAt ?? request.expiresAt);
  if (request.expiresAt.getTime() <= now.getTime()) throw accessRequestErrors.expired(request.expiresAt);
  return { organization, request, now };
}

function decide(request: AccessRequest, status: 'approved' | 'declined', actor: Actor, now: Date): void {
  request.status = status;
  request.decidedBy = actor.label;
  request.decidedAt = now;
}

/**
 * A professional's given and family name from the one name the ID token gave: the last word is the
 * family name ("Ada King Lovelace": Ada King, Lovelace); an administrator can Edit it.
 */
export function namesOf(name: string): { givenName: string; familyName: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return { givenName: words[0] ?? name, familyName: words[0] ?? name };
  return { givenName: words.slice(0, -1).join(' '), familyName: words[words.length - 1]! };
}
