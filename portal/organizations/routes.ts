import type Router from '@koa/router';
import type { PortalContext } from '../create-portal.ts';
import { meOf, requireAdministrator, requireMember } from '../membership/gate.ts';
import { organizationOverview } from './organization-overview.ts';
import { administeredOrganizations } from './organizations.ts';

/** "Our CustomerSource Accounts" and one account's page (J2, J8). */
export function organizationRoutes(router: Router, portal: PortalContext): void {
  router.get('/accounts', requireMember(portal), async (ctx) => {
    const organizations = await administeredOrganizations(portal.domain, meOf(ctx)!.signedIn);
    await portal.views.render(ctx, 'accounts', { title: 'Our CustomerSource Accounts', organizations });
  });

  router.get('/accounts/:orgId', requireMember(portal), requireAdministrator(portal), async (ctx) => {
    const overview = await organizationOverview(portal.domain, ctx.params.orgId!);
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
