import { LockMode } from '@mikro-orm/core';
import { isId } from '../../adapters/db/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import { nowOf, type PortalDomain, type VerifiedIdentity } from '../domain.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { Invitation } from './invitation.entity.ts';
import { readInvitationToken } from './invitation-token.ts';

export interface ClaimResult {
  readonly professional: Professional;
  readonly organization: Organization;
  /** True when this account had already claimed it: nothing changed. */
  readonly alreadyClaimed: boolean;
}

/**
 * Bind the signed-in IdP identity to the invited professional. By default the account's verified
 * e-mail must be the invited one (case-insensitive); an organization may allow any account.
 * The same account again is a no-op; every other second claim, and an expired or revoked link,
 * is refused with its own code and changes nothing. The organization row is locked, so two
 * racing claims are serialised and only one can win.
 */
export async function claimInvitation(
  domain: PortalDomain,
  input: { token: string; identity: VerifiedIdentity },
): Promise<ClaimResult> {
  const claims = await readInvitationToken(domain.invitationKey, domain.portalUrl, input.token);
  if (!isId(claims.jti) || !isId(claims.org)) throw portalErrors.invitationInvalid();
  const { identity } = input;
  const result = await domain.orm.em.fork().transactional(async (tx) => {
    const organization = await tx.findOne(
      Organization,
      { id: claims.org },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    const invitation = await tx.findOne(
      Invitation,
      { id: claims.jti },
      { populate: ['professional'], refresh: true },
    );
    const professional = invitation?.professional;
    if (!organization || !invitation || !professional || professional.organization.id !== organization.id) {
      throw portalErrors.invitationInvalid();
    }
    if (professional.idpIssuer === identity.issuer && professional.idpSubject === identity.subject) {
      return { professional, organization, alreadyClaimed: true };
    }
    if (invitation.claimedAt || professional.idpSubject) throw portalErrors.invitationClaimed();
    if (invitation.revokedAt) throw portalErrors.invitationRevoked();
    const now = nowOf(domain);
    if (invitation.expiresAt.getTime() <= now.getTime()) throw portalErrors.invitationExpired();
    // The claim rule, whichever sign-in option the person used: the IdP must assert the address
    // is verified (`email_verified: true`, OIDC Core §5.1), and it must be the invited one.
    if (!organization.allowAnyAccount) {
      if (!identity.emailVerified) throw portalErrors.emailNotVerified(identity.email);
      if (asciiLower(identity.email) !== asciiLower(professional.email))
        throw portalErrors.wrongAccount(identity.email);
    }
    const existing = await tx.count(Professional, {
      organization: organization.id,
      idpIssuer: identity.issuer,
      idpSubject: identity.subject,
    });
    if (existing > 0) throw portalErrors.alreadyMember(identity.email);
    professional.idpIssuer = identity.issuer;
    professional.idpSubject = identity.subject;
    professional.status = 'active';
    invitation.claimedAt = now;
    recordAudit(tx, {
      organizationId: organization.id,
      actor: identity.email,
      action: 'invitation.claimed',
      target: professional.fullName(),
    });
    return { professional, organization, alreadyClaimed: false };
  });
  // Counted once committed: a claim that lost a race or rolled back is not one.
  if (!result.alreadyClaimed) domain.metrics?.invitationsClaimed.inc();
  return result;
}

/**
 * Case-insensitive for A-Z only: `toLowerCase()` folds look-alikes too (the Kelvin sign `K`
 * becomes `k`), which would let `\u212Aate@…` claim the invitation of `kate@…`.
 */
function asciiLower(email: string): string {
  return email.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
