import type { Actor } from '../domain.ts';
import type { Me, PortalContext, PortalMiddleware, PortalRequest } from '../portal-context.ts';
import { portalErrors } from '../portal-errors.ts';
import { activeMemberships, type Membership } from '../sessions/session-store.ts';
import { sessionOf } from '../sessions/sessions.ts';

/**
 * Who is asking: the session's identity and their current memberships, read on every request so
 * a deleted professional loses access on their very next request. They come with the session row
 * (same statement); only a session without them (none loaded) is asked separately.
 */
export function identify(portal: PortalContext): PortalMiddleware {
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

export function meOf(ctx: PortalRequest): Me | undefined {
  return ctx.state.me;
}

/** Signed in, or off to sign in and back here. */
export function requireSignIn(ctx: PortalRequest): Me | undefined {
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
export function requireMember(portal: PortalContext): PortalMiddleware {
  return async (ctx, next) => {
    const me = requireSignIn(ctx);
    if (!me) return;
    if (me.memberships.length === 0) return renderNotAMember(ctx, portal);
    await next();
  };
}

/** The J12 page, with what capabilities add to it (`portal.notAMemberPage`) and `data` (a refusal). */
export async function renderNotAMember(
  ctx: PortalRequest,
  portal: PortalContext,
  data: Record<string, unknown> = {},
  status = 403,
): Promise<void> {
  const added = (await portal.notAMemberPage?.(ctx)) ?? {};
  await portal.views.render(ctx, 'not-a-member', { title: 'No access yet', ...added, ...data }, status);
}

/** The signed-in person as the actor of a change (behind `requireMember`). */
export function actorOf(ctx: PortalRequest): Actor {
  const me = signedInMember(ctx);
  return { label: me.email, identity: me.signedIn };
}

/** The person behind `requireMember`: a route without that gate is a programming error. */
export function signedInMember(ctx: PortalRequest): Me {
  const me = meOf(ctx);
  if (!me) throw new Error('this route needs requireMember before it');
  return me;
}

/** The signed-in person's membership in `:orgId`, or 404. */
export function membershipIn(ctx: PortalRequest, organizationId: string | undefined): Membership {
  const found = meOf(ctx)?.memberships.find((p) => p.organization.id === organizationId);
  if (!found) throw portalErrors.notFound();
  return found;
}
