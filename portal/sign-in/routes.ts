import * as oidc from 'openid-client';
import type { PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import type { SignedIn } from '../sessions/session-store.ts';
import { endSession, renewSession, sessionOf, updateSession } from '../sessions/sessions.ts';
import { continuationWaitsAt } from './continuation.ts';
import { safeReturnTo } from './return-to.ts';
import { auditSignIn } from './sign-in-audit.ts';
import { completeSignIn, type SignInFailure, startSignIn } from './sign-in-flow.ts';

/**
 * The sign-in option of the last sign-in (an option id, no secret), host-only behind TLS like the
 * session and CSRF cookies: `__Host-` keeps a sibling host from planting or overwriting it.
 */
function rememberCookieName(secure: boolean): string {
  return secure ? '__Host-portal_signin_option' : 'portal_signin_option';
}

const FAILURES: Record<SignInFailure, string> = {
  state: 'That sign-in took too long or was started in another window. Choose how to sign in to try again.',
  denied: 'The sign-in was cancelled. Choose how to sign in to try again.',
  failed: 'We could not complete the sign-in. Choose how to sign in to try again.',
};

/** Sign In, the Extranet Login page, the callback, and Sign out (RP-initiated logout). */
export function signInRoutes(router: PortalRouter, portal: PortalContext): void {
  const rememberCookie = rememberCookieName(portal.secure);
  router.get('/sign-in', async (ctx) => {
    const returnTo = safeReturnTo(ctx.query.returnTo);
    const option =
      portal.signIn.find(String(ctx.query.option ?? '')) ??
      (portal.signIn.all.length === 1
        ? portal.signIn.all[0]
        : portal.signIn.find(ctx.cookies.get(rememberCookie)));
    if (!option) return renderExtranetLogin(ctx, portal, returnTo);
    await startSignIn(ctx, portal, option, { returnTo });
  });

  router.get('/extranet-login', async (ctx) => {
    const failure = String(ctx.query.error ?? '') as SignInFailure;
    await renderExtranetLogin(ctx, portal, safeReturnTo(ctx.query.returnTo), FAILURES[failure]);
  });

  router.get('/auth/callback', async (ctx) => {
    const outcome = await completeSignIn(ctx, portal);
    if ('failure' in outcome) return renderExtranetLogin(ctx, portal, '/', FAILURES[outcome.failure], 400);
    const { pending, signedIn } = outcome;
    renewSession(ctx);
    updateSession(ctx, (data) => {
      data.signedIn = signedIn;
    });
    ctx.cookies.set(rememberCookie, pending.optionId, {
      httpOnly: true,
      sameSite: 'lax',
      secure: portal.secure,
      maxAge: 365 * 24 * 3600 * 1000,
    });
    // A journey waiting at `returnTo` (an invitation to claim) finishes the sign-in, audit included.
    if (!continuationWaitsAt(ctx, pending.returnTo)) await auditSignIn(portal.domain, signedIn);
    ctx.status = 303;
    ctx.redirect(pending.returnTo);
  });

  router.post('/sign-out', async (ctx) => {
    const signedIn = sessionOf(ctx).data.signedIn;
    endSession(ctx);
    ctx.status = 303;
    ctx.redirect(signedIn ? await endSessionUrl(portal, signedIn) : '/');
  });
}

/**
 * RP-initiated logout at the IdP (OpenID Connect RP-Initiated Logout 1.0), back to the portal home.
 * The portal session is gone either way; when the IdP cannot be reached the person is at least
 * signed out here, and the failure is logged.
 */
async function endSessionUrl(portal: PortalContext, signedIn: SignedIn): Promise<string> {
  const option = portal.signIn.find(signedIn.optionId);
  if (!option) return '/';
  try {
    const config = await option.configuration();
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: signedIn.idToken,
      post_logout_redirect_uri: `${portal.config.PORTAL_URL}/`,
    });
    return url.href;
  } catch (error) {
    portal.logger.warn({ err: error }, 'IdP unreachable at sign-out; signed out of the portal only');
    return '/';
  }
}

async function renderExtranetLogin(
  ctx: PortalRequest,
  portal: PortalContext,
  returnTo: string,
  message?: string,
  status = 200,
): Promise<void> {
  const options = portal.signIn.all.map((o) => ({
    label: o.label,
    href: `/sign-in?option=${encodeURIComponent(o.id)}&returnTo=${encodeURIComponent(returnTo)}`,
  }));
  await portal.views.render(ctx, 'extranet-login', { title: 'Extranet Login', options, message }, status);
}
