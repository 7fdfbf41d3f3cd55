import * as oidc from 'openid-client';
import type { PortalContext, PortalRequest } from '../portal-context.ts';
import type { PendingSignIn, SignedIn } from '../sessions/session-store.ts';
import { sessionOf, updateSession } from '../sessions/sessions.ts';
import { safeReturnTo } from './return-to.ts';
import type { SignInOption } from './sign-in-options.ts';

const PENDING_MAX_AGE_MS = 10 * 60_000;
const PENDING_MAX = 5;

export function callbackUrl(portal: PortalContext): string {
  return `${portal.config.PORTAL_URL}/auth/callback`;
}

/**
 * Send the browser to the IdP: authorization code with PKCE (S256), `state` and `nonce`, all kept
 * server-side in the session (RFC 9700 §2.1.1, OIDC Core §3.1.2.1).
 */
export async function startSignIn(
  ctx: PortalRequest,
  portal: PortalContext,
  option: SignInOption,
  request: { returnTo: string; loginHint?: string; acrValues?: string },
): Promise<void> {
  const config = await option.configuration();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const pending: PendingSignIn = {
    optionId: option.id,
    codeVerifier,
    nonce,
    returnTo: safeReturnTo(request.returnTo),
    startedAt: Date.now(),
  };
  updateSession(ctx, (data) => {
    data.pending = { ...recentPending(data.pending), [state]: pending };
  });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(portal),
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(request.loginHint ? { login_hint: request.loginHint } : {}),
    // OIDC Core §3.1.2.1: ask for a stronger sign-in (step-up), as an organization's policy needs.
    ...(request.acrValues ? { acr_values: request.acrValues } : {}),
  });
  ctx.status = 303;
  ctx.redirect(url.href);
}

/** Why a sign-in came back without a person: shown on the Extranet Login page. */
export type SignInFailure = 'state' | 'denied' | 'failed';

/**
 * Finish the sign-in on the callback: the pending request must match `state`; the code is
 * exchanged with the PKCE verifier and the ID token's nonce checked by openid-client.
 */
export async function completeSignIn(
  ctx: PortalRequest,
  portal: PortalContext,
): Promise<
  | { pending: PendingSignIn; option: SignInOption; signedIn: SignedIn }
  | { failure: SignInFailure; returnTo: string }
> {
  const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
  const pending = sessionOf(ctx).data.pending?.[state];
  if (!pending || Date.now() - pending.startedAt > PENDING_MAX_AGE_MS)
    return { failure: 'state', returnTo: '/' };
  updateSession(ctx, (data) => {
    delete data.pending?.[state];
  });
  const { returnTo } = pending;
  if (ctx.query.error)
    return { failure: ctx.query.error === 'access_denied' ? 'denied' : 'failed', returnTo };
  const option = portal.signIn.find(pending.optionId);
  if (!option) return { failure: 'failed', returnTo };
  try {
    const config = await option.configuration();
    const currentUrl = new URL(ctx.originalUrl, portal.config.PORTAL_URL);
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const email = typeof claims.email === 'string' ? claims.email : '';
    const signedIn: SignedIn = {
      issuer: claims.iss,
      subject: claims.sub,
      email,
      emailVerified: claims.email_verified === true,
      name: typeof claims.name === 'string' && claims.name ? claims.name : email,
      sid: typeof claims.sid === 'string' ? claims.sid : undefined,
      acr: typeof claims.acr === 'string' ? claims.acr : undefined,
      amr: Array.isArray(claims.amr)
        ? claims.amr.filter((m): m is string => typeof m === 'string')
        : undefined,
      idToken: tokens.id_token!,
      optionId: option.id,
    };
    return { pending, option, signedIn };
  } catch (error) {
    portal.logger.warn({ err: error }, 'sign-in callback failed');
    return { failure: 'failed', returnTo };
  }
}

function recentPending(pending: Record<string, PendingSignIn> = {}): Record<string, PendingSignIn> {
  const now = Date.now();
  const fresh = Object.entries(pending)
    .filter(([, p]) => now - p.startedAt < PENDING_MAX_AGE_MS)
    .slice(-(PENDING_MAX - 1));
  return Object.fromEntries(fresh);
}
