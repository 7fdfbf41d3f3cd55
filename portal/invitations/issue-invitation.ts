import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { recordAudit } from '../audit/audit.ts';
import { type Actor, nowOf, type PortalDomain } from '../domain.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import type { Professional } from '../organizations/professional.entity.ts';
import { Invitation } from './invitation.entity.ts';
import { invitationMail } from './invitation-mail.ts';
import { signInvitationToken } from './invitation-token.ts';

/**
 * Inside the caller's transaction: revoke the professional's open invitations, create a new one,
 * and queue its e-mail in the outbox. Returns the link (printed by the CLI, never logged).
 */
export async function issueInvitation(
  tx: EntityManager,
  domain: PortalDomain,
  actor: Actor,
  organization: Organization,
  professional: Professional,
): Promise<string> {
  const now = nowOf(domain);
  const open = await tx.find(Invitation, { professional, revokedAt: null, claimedAt: null });
  for (const previous of open) previous.revokedAt = now;
  const expiresAt = new Date(now.getTime() + domain.invitationTtlSeconds * 1000);
  const invitation = tx.create(Invitation, { id: randomUUID(), professional, expiresAt, createdAt: now });
  const token = await signInvitationToken(
    domain.invitationKey,
    domain.portalUrl,
    { jti: invitation.id, org: organization.id },
    expiresAt,
  );
  const link = `${domain.portalUrl}/invitations/accept?token=${token}`;
  enqueueMail(
    tx,
    invitationMail({
      to: professional.email,
      givenName: professional.givenName,
      organizationName: organization.name,
      productName: domain.productName,
      link,
      expiresAt,
    }),
  );
  if (professional.status === 'not_invited') professional.status = 'invited';
  // Counted when queued in the caller's transaction, which commits it with the outbox row.
  domain.metrics?.invitationsSent.inc();
  recordAudit(tx, {
    organizationId: organization.id,
    actor,
    action: 'invitation.sent',
    target: professional.fullName(),
    detail: { revoked: open.length },
  });
  return link;
}
