import { actorOf, requireMember, signedInMember } from '../membership/gate.ts';
import type { PortalContext, PortalRouter } from '../portal-context.ts';
import { administeredOrganizations } from './administered-organizations.ts';
import { organizationOverview } from './organization-overview.ts';

/** "Our CustomerSource Accounts" and one account's page (J2, J8). */
export function organizationRoutes(router: PortalRouter, portal: PortalContext): void {
  router.get('/accounts', requireMember(portal), async (ctx) => {
    const organizations = await administeredOrganizations(portal.domain, signedInMember(ctx).signedIn);
    await portal.views.render(ctx, 'accounts', { title: 'Our CustomerSource Accounts', organizations });
  });

  router.get('/accounts/:orgId', requireMember(portal), async (ctx) => {
    const overview = await organizationOverview(portal.domain, actorOf(ctx), ctx.params.orgId!);
    await portal.views.render(ctx, 'organization', {
      title: overview.organization.name,
      ...overview,
      notice: notice(ctx.query.done),
    });
  });
}

const NOTICES: Record<string, string> = {
  deleted: 'The professional was deleted. Their access has ended.',
};

function notice(done: unknown): string | undefined {
  return typeof done === 'string' ? NOTICES[done] : undefined;
}
