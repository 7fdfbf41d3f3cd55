import type { Context } from 'koa';
import type { default as Provider, Session } from 'oidc-provider';

/**
 * The account pages are our own routes, outside oidc-provider's endpoints, yet they read and renew
 * the provider's session of the browser. Written against oidc-provider 9.13.3, with these of its
 * internals (test/idp/library-patches.test.ts fails if they change):
 * - `provider.Session.get(ctx)` (lib/models/session.js) reads the session cookie of a context that
 *   is not the provider's own, and gives a new empty session when there is none;
 * - `Session#resetIdentifier()` gives the session a new `jti` and `persist()` saves it under it,
 *   destroying the row of the old one, without changing its lifetime (`exp`);
 * - the provider finds the session again from a cookie named `provider.cookieName('session')`
 *   holding its `jti`, signed with the provider's keys and set with the options of its
 *   `cookies.long` configuration (idp/provider/configuration.ts), as lib/shared/session.js sets it.
 */

/** The provider's session of this browser, or a new empty one (no `accountId`). */
export function browserSession(provider: Provider, ctx: Context): Promise<Session> {
  return provider.Session.get(ctx);
}

/**
 * Store the browser's session again under a new id, signed in as of now, and point its session
 * cookie at the new id: an id known from before is worthless, and the session counts as signed in
 * after a change that ended every sign-in before it. Only for a session stored before (`exp` set).
 */
export async function renewBrowserSession(
  provider: Provider,
  ctx: Context,
  session: Session,
  options: { readonly secure: boolean },
): Promise<void> {
  if (typeof session.exp !== 'number') throw new TypeError('Only a stored session can be renewed.');
  session.resetIdentifier();
  session.loginTs = Math.floor(Date.now() / 1000);
  await session.persist();
  ctx.cookies.set(provider.cookieName('session'), session.jti, {
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    expires: new Date(session.exp * 1000),
    overwrite: true,
  });
}
