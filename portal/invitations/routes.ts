import { attempt } from '../../adapters/http/refusal.ts';
import type { PortalContext, PortalRouter } from '../portal-context.ts';
import { portalErrors } from '../portal-errors.ts';
import { sessionOf } from '../sessions/sessions.ts';
import { continueAfterSignIn, takeContinuation } from '../sign-in/continuation.ts';
import { signInOrChoose } from '../sign-in/extranet-login.ts';
import { finishSignIn } from '../sign-in/sign-in-audit.ts';
import { claimInvitation } from './claim-invitation.ts';
import { invitedEmail } from './invited-email.ts';

/** Where the sign-in that an invitation link starts comes back to. */
const CLAIM_PATH = '/invitations/claim';

/**
 * The invitation journey after the e-mail (J3, J4): the link signs the person in and, on the way
 * back, binds their login to the invited professional.
 */
export function invitationRoutes(router: PortalRouter, portal: PortalContext): void {
  // The link signs in as Sign In does (J5): the remembered option, or the Extranet Login page
  // when the portal cannot tell, with the invited address as `login_hint` (no account yet at the
  // built-in IdP? "Sign up now" in the same flow). The token waits server-side in the session,
  // whichever option is chosen, cancelled or chosen again: it never reaches an IdP or a log.
  router.get('/invitations/accept', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    if (!token || token.length > 2048) throw portalErrors.invitationInvalid();
    const loginHint = await invitedEmail(portal.domain, token);
    continueAfterSignIn(ctx, { path: CLAIM_PATH, state: token, loginHint });
    await signInOrChoose(ctx, portal, CLAIM_PATH);
  });

  // Back from the IdP, signed in: claim, then the home page. Without a waiting invitation (a
  // reload, a bookmark) there is nothing to claim: the home page.
  router.get(CLAIM_PATH, async (ctx) => {
    const signedIn = sessionOf(ctx).data.signedIn;
    const token = signedIn ? takeContinuation(ctx, CLAIM_PATH) : undefined;
    if (!signedIn || !token) {
      ctx.status = 303;
      return ctx.redirect('/');
    }
    await attempt(
      ctx,
      async () => {
        await claimInvitation(portal.domain, { token, identity: signedIn });
        await finishSignIn(portal, signedIn);
        ctx.status = 303;
        ctx.redirect('/');
      },
      // The claim rule said no: why, and a way to sign out and back in with the invited account.
      (refusal) =>
        portal.views.render(
          ctx,
          'invitation-refused',
          { title: 'Invitation not accepted', error: refusal },
          refusal.status,
        ),
    );
  });
}
