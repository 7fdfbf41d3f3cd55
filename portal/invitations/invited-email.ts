import { isId } from '../../adapters/db/ids.ts';
import type { PortalDomain } from '../domain.ts';
import { portalErrors } from '../portal-errors.ts';
import { Invitation } from './invitation.entity.ts';
import { readInvitationToken } from './invitation-token.ts';

/**
 * The address an invitation link was sent to, for the IdP's `login_hint` (the sign-in form comes
 * pre-filled). An unauthentic link is refused here already; every other rule waits for the claim.
 */
export async function invitedEmail(domain: PortalDomain, token: string): Promise<string | undefined> {
  const claims = await readInvitationToken(domain.invitationKey, domain.portalUrl, token);
  if (!isId(claims.jti)) throw portalErrors.invitationInvalid();
  const invitation = await domain.orm.em
    .fork()
    .findOne(Invitation, { id: claims.jti }, { populate: ['professional'] });
  return invitation?.professional.email;
}
