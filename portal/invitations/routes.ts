import type Router from '@koa/router';
import type { PortalContext } from '../create-portal.ts';
import { portalErrors } from '../portal-errors.ts';
import { startSignIn } from '../sign-in/sign-in-flow.ts';
import { invitedEmail } from './invited-email.ts';

/**
 * The link in the invitation e-mail: straight to the IdP, the invited address as `login_hint`
 * (no account yet? "Sign up now" in the same flow); the claim happens on the way back. The token
 * stays server-side in the session: it never reaches the IdP or a log.
 */
export function invitationRoutes(router: Router, portal: PortalContext): void {
  router.get('/invitations/accept', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    if (!token || token.length > 2048) throw portalErrors.invitationInvalid();
    const loginHint = await invitedEmail(portal.domain, token);
    const option =
      portal.signIn.find(portal.signIn.byIssuer(portal.config.IDP_ISSUER)?.id) ?? portal.signIn.all[0]!;
    await startSignIn(ctx, portal, option, { returnTo: '/', invitationToken: token, loginHint });
  });
}
