import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { PortalContext, PortalRequest } from '../portal-context.ts';
import type { SignedIn } from '../sessions/session-store.ts';

/** The `state` of a sign-out on its way through the IdP; the session is gone by then. */
function stateCookieName(secure: boolean): string {
  return secure ? '__Host-portal_signout_state' : 'portal_signout_state';
}

const STATE_MAX_AGE_MS = 10 * 60_000;

/**
 * RP-initiated logout at the IdP (OpenID Connect RP-Initiated Logout 1.0 §2), back to the portal
 * home with the `state` sent (some providers redirect back only when there is one), which the
 * home page checks (`returnedFromSignOut`). The portal session is gone either way; when the IdP
 * cannot be reached the person is at least signed out here, and the failure is logged.
 */
export async function endSessionUrl(
  ctx: PortalRequest,
  portal: PortalContext,
  signedIn: SignedIn,
): Promise<string> {
  const option = portal.signIn.find(signedIn.optionId);
  if (!option) return '/';
  try {
    const config = await option.configuration();
    const state = randomBytes(16).toString('base64url');
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: signedIn.idToken,
      post_logout_redirect_uri: `${portal.config.PORTAL_URL}/`,
      state,
    });
    ctx.cookies.set(stateCookieName(portal.secure), state, {
      httpOnly: true,
      sameSite: 'lax',
      secure: portal.secure,
      maxAge: STATE_MAX_AGE_MS,
    });
    return url.href;
  } catch (error) {
    portal.logger.warn({ err: error }, 'IdP unreachable at sign-out; signed out of the portal only');
    return '/';
  }
}

/**
 * True when this request is the IdP sending the person back after a sign-out this browser asked
 * for: the `state` matches the one kept (then forgotten). A foreign or replayed `state` is not
 * (the page shows no sign-out notice, and the mismatch is logged).
 */
export function returnedFromSignOut(ctx: PortalRequest, portal: PortalContext): boolean {
  const returned = ctx.query.state;
  if (typeof returned !== 'string') return false;
  const name = stateCookieName(portal.secure);
  const kept = ctx.cookies.get(name);
  if (kept) ctx.cookies.set(name, null, { httpOnly: true, sameSite: 'lax', secure: portal.secure });
  const same = kept !== undefined && kept.length === returned.length;
  if (same && timingSafeEqual(Buffer.from(kept), Buffer.from(returned))) return true;
  portal.logger.warn('sign-out return with a state this browser did not send');
  return false;
}
