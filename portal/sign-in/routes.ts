import type { PortalContext, PortalRouter } from '../portal-context.ts';
import { endSession, renewSession, sessionOf, updateSession } from '../sessions/sessions.ts';
import { waitingContinuation } from './continuation.ts';
import { rememberOption, renderExtranetLogin, signInOrChoose, strongerSignIn } from './extranet-login.ts';
import { safeReturnTo } from './return-to.ts';
import { finishSignIn } from './sign-in-audit.ts';
import { completeSignIn, type SignInFailure } from './sign-in-flow.ts';
import { endSessionUrl } from './sign-out.ts';

const FAILURES: Record<SignInFailure, string> = {
  state: 'That sign-in took too long or was started in another window. Choose how to sign in to try again.',
  denied: 'The sign-in was cancelled. Choose how to sign in to try again.',
  failed: 'We could not complete the sign-in. Choose how to sign in to try again.',
};

/** Sign In, the Extranet Login page, the callback, and Sign out (RP-initiated logout). */
export function signInRoutes(router: PortalRouter, portal: PortalContext): void {
  router.get('/sign-in', async (ctx) => {
    const returnTo = safeReturnTo(ctx.query.returnTo);
    const option = String(ctx.query.option ?? '');
    await signInOrChoose(ctx, portal, returnTo, option, strongerSignIn(ctx.query.acr));
  });

  router.get('/extranet-login', async (ctx) => {
    const failure = String(ctx.query.error ?? '') as SignInFailure;
    await renderExtranetLogin(ctx, portal, safeReturnTo(ctx.query.returnTo), FAILURES[failure]);
  });

  router.get('/auth/callback', async (ctx) => {
    const outcome = await completeSignIn(ctx, portal);
    // Cancelled or failed: choose again, back to the same place (a waiting invitation still waits).
    if ('failure' in outcome)
      return renderExtranetLogin(ctx, portal, outcome.returnTo, FAILURES[outcome.failure], 400);
    const { pending, option, signedIn } = outcome;
    renewSession(ctx);
    updateSession(ctx, (data) => {
      data.signedIn = signedIn;
    });
    rememberOption(ctx, portal, option);
    // A journey waiting at `returnTo` (an invitation to claim) finishes the sign-in, audit included.
    if (!waitingContinuation(ctx, pending.returnTo)) await finishSignIn(portal, signedIn);
    ctx.status = 303;
    ctx.redirect(pending.returnTo);
  });

  router.post('/sign-out', async (ctx) => {
    const signedIn = sessionOf(ctx).data.signedIn;
    endSession(ctx);
    ctx.status = 303;
    ctx.redirect(signedIn ? await endSessionUrl(ctx, portal, signedIn) : '/');
  });
}
