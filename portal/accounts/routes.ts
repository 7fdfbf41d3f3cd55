import { formFields } from '../../adapters/http/forms.ts';
import { actorOf, requireMember, signedInMember } from '../membership/gate.ts';
import { requireMemberOf } from '../membership/sign-in-strength.ts';
import type { PortalContext, PortalRouter } from '../portal-context.ts';
import { parseListQuery } from '../professionals/professional-list.ts';
import { accountsPage } from './administered-organizations.ts';
import { organizationOverview } from './organization-overview.ts';
import { setTwoStepPolicy, twoStepPolicyForm } from './two-step-policy.ts';

/** "Our CustomerSource Accounts" and one account's page (J2, J8). */
export function organizationRoutes(router: PortalRouter, portal: PortalContext): void {
  router.get('/accounts', requireMember(portal), async (ctx) => {
    const page = await accountsPage(portal.domain, signedInMember(ctx).signedIn);
    await portal.views.render(ctx, 'accounts', { title: 'Our CustomerSource Accounts', ...page });
  });

  router.get('/accounts/:orgId', requireMemberOf(portal), async (ctx) => {
    const overview = await organizationOverview(
      portal.domain,
      actorOf(ctx),
      ctx.params.orgId!,
      parseListQuery(ctx.query),
    );
    await portal.views.render(ctx, 'organization', {
      title: overview.organization.name,
      ...overview,
      notice: notice(ctx.query.done),
    });
  });

  router.post('/accounts/:orgId/two-step', requireMemberOf(portal), async (ctx) => {
    const form = twoStepPolicyForm.parse(formFields(ctx));
    await setTwoStepPolicy(portal.domain, {
      actor: actorOf(ctx),
      organizationId: ctx.params.orgId!,
      ...form,
    });
    ctx.status = 303;
    ctx.redirect(`/accounts/${ctx.params.orgId}?done=policy`);
  });
}

const NOTICES: Record<string, string> = {
  deleted: 'The professional was deleted. Their access has ended.',
  approved: 'Approved. The person is an active professional now and has been told by e-mail.',
  declined: 'Declined. The person has been told by e-mail.',
  policy: 'Saved. The sign-in policy applies from the next page each member opens.',
};

function notice(done: unknown): string | undefined {
  return typeof done === 'string' ? NOTICES[done] : undefined;
}
