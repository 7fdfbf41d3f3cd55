import { licensesOf } from '../licensing/licenses.ts';
import type { PortalContext, PortalRouter } from '../portal-context.ts';
import { returnedFromSignOut } from '../sign-in/sign-out.ts';
import { membershipIn, meOf, renderNotAMember } from './gate.ts';
import { requireMemberOf } from './sign-in-strength.ts';

/** The public home page, and the members' pages of their organization. */
export function memberRoutes(router: PortalRouter, portal: PortalContext): void {
  router.get('/', async (ctx) => {
    const me = meOf(ctx);
    if (!me) {
      const notice = returnedFromSignOut(ctx, portal) ? 'You are signed out.' : undefined;
      return portal.views.render(ctx, 'home', { title: 'Home', notice });
    }
    if (me.memberships.length === 0) return renderNotAMember(ctx, portal);
    await portal.views.render(ctx, 'member-home', { title: 'Home', memberships: me.memberships });
  });

  router.get('/org/:orgId/licensing', requireMemberOf(portal), async (ctx) => {
    const membership = membershipIn(ctx, ctx.params.orgId);
    const licenses = await licensesOf(portal.domain.orm, membership.organization.id);
    await portal.views.render(ctx, 'licensing', {
      title: 'Licensing',
      organization: membership.organization,
      licenses,
    });
  });

  router.get('/org/:orgId/support', requireMemberOf(portal), async (ctx) => {
    const membership = membershipIn(ctx, ctx.params.orgId);
    await portal.views.render(ctx, 'support', { title: 'Support', organization: membership.organization });
  });
}
