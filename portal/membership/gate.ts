import type { Context, Middleware, Next } from 'koa';
import type { PortalContext } from '../create-portal.ts';
import { administers } from '../organizations/access.ts';
import { portalErrors } from '../portal-errors.ts';
import type { SignedIn } from '../sessions/session-store.ts';
import { sessionOf } from '../sessions/sessions.ts';
import { activeMemberships, type Membership } from './membership.ts';

/** The signed-in person, as every page's header shows them. */
export interface Me {
  readonly name: string;
  readonly email: string;
  readonly isAdmin: boolean;
  readonly signedIn: SignedIn;
  readonly memberships: readonly Membership[];
}

/**
 * Who is asking: the session's identity and their current memberships, read on every request so
 * a deleted professional loses access on their very next request. They come with the session row
 * (same statement); only a session without them (none loaded) is asked separately.
 */
export function identify(portal: PortalContext): Middleware {
  return async (ctx, next) => {
    const session = sessionOf(ctx);
    const signedIn = session.data.signedIn;
    if (signedIn) {
      const rows = session.memberships ?? (await activeMemberships(portal.domain.orm, signedIn));
      const me: Me = {
        name: signedIn.name,
        email: signedIn.email,
        isAdmin: rows.some((p) => p.isAdministrator),
        signedIn,
        memberships: rows,
      };
      ctx.state.me = me;
    }
    await next();
  };
}

export function meOf(ctx: Context): Me | undefined {
  return ctx.state.me as Me | undefined;
}

/** Signed in, or off to sign in and back here. */
export function requireSignIn(ctx: Context): Me | undefined {
  const me = meOf(ctx);
  if (me) return me;
  ctx.status = 303;
  ctx.redirect(`/sign-in?returnTo=${encodeURIComponent(ctx.path)}`);
  return undefined;
}

/**
 * The membership gate: a signed-in person who belongs to no organization sees the page that says
 * so (J12), never a portal page.
 */
export function requireMember(portal: PortalContext): Middleware {
  return async (ctx: Context, next: Next) => {
    const me = requireSignIn(ctx);
    if (!me) return;
    if (me.memberships.length === 0) return renderNotAMember(ctx, portal);
    await next();
  };
}

export async function renderNotAMember(ctx: Context, portal: PortalContext): Promise<void> {
  await portal.views.render(ctx, 'not-a-member', { title: 'No access yet' }, 403);
}

/** The organization of `:orgId` if the signed-in person administers it; anything else is a 404. */
export function requireAdministrator(portal: PortalContext): Middleware {
  return async (ctx: Context, next: Next) => {
    const me = meOf(ctx)!;
    if (!(await administers(portal.domain.orm.em.fork(), me.signedIn, ctx.params.orgId)))
      throw portalErrors.notFound();
    await next();
  };
}

/** The signed-in person's membership in `:orgId`, or 404. */
export function membershipIn(ctx: Context, organizationId: string | undefined): Membership {
  const found = meOf(ctx)?.memberships.find((p) => p.organization.id === organizationId);
  if (!found) throw portalErrors.notFound();
  return found;
}
