import type { PortalContext, PortalRequest } from '../portal-context.ts';
import { waitingContinuation } from './continuation.ts';
import { startSignIn } from './sign-in-flow.ts';
import type { SignInOption } from './sign-in-options.ts';

/**
 * The sign-in option of the last sign-in (an option id, no secret), host-only behind TLS like the
 * session and CSRF cookies: `__Host-` keeps a sibling host from planting or overwriting it.
 */
function rememberCookieName(secure: boolean): string {
  return secure ? '__Host-portal_signin_option' : 'portal_signin_option';
}

/** After a sign-in: the next one goes straight to the same option. */
export function rememberOption(ctx: PortalRequest, portal: PortalContext, option: SignInOption): void {
  ctx.cookies.set(rememberCookieName(portal.secure), option.id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: portal.secure,
    maxAge: 365 * 24 * 3600 * 1000,
  });
}

/** The sign-in strengths a page may ask for (DESIGN.md: `acr_values_supported`). */
export type StrongerSignIn = 'mfa' | 'phr';

/** `acr` from a query string: only a strength we know, anything else is no request at all. */
export function strongerSignIn(value: unknown): StrongerSignIn | undefined {
  return value === 'mfa' || value === 'phr' ? value : undefined;
}

/**
 * Sign in and come back to `returnTo` (J5): through the option asked for, the only one, or the one
 * remembered from the last sign-in; when the portal cannot tell, the **Extranet Login** page lists
 * them. A continuation waiting at `returnTo` lends the IdP its login hint (the invited address).
 */
export async function signInOrChoose(
  ctx: PortalRequest,
  portal: PortalContext,
  returnTo: string,
  asked?: string,
  acrValues?: StrongerSignIn,
): Promise<void> {
  const option =
    portal.signIn.find(asked) ??
    (portal.signIn.all.length === 1
      ? portal.signIn.all[0]
      : portal.signIn.find(ctx.cookies.get(rememberCookieName(portal.secure))));
  if (!option) return renderExtranetLogin(ctx, portal, returnTo);
  const loginHint = waitingContinuation(ctx, returnTo)?.loginHint;
  await startSignIn(ctx, portal, option, { returnTo, loginHint, acrValues });
}

/** The options, each a link that signs in through it and returns to `returnTo`. */
export async function renderExtranetLogin(
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
