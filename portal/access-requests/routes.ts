import type { AppError } from '../../adapters/http/errors.ts';
import { formFields, postedForm } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import type { PortalDomain } from '../domain.ts';
import { actorOf, meOf, renderNotAMember, requireSignIn } from '../membership/gate.ts';
import { requireMemberOf } from '../membership/sign-in-strength.ts';
import type { NotAMemberPage, PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import { rolesSchema } from '../professionals/profile-input.ts';
import { requestAccessPage } from './access-request-lists.ts';
import { approveRequest, declineRequest } from './decide-request.ts';
import { requestAccess, requestAccessForm } from './request-access.ts';

const EMPTY_FORM = { organizationId: '', accountNumber: '', message: '' };

/**
 * The J12 page's part of access requests: the organizations offered to the person, the account
 * number form, and the person's own requests with their status.
 */
export function accessRequestsOnNotAMemberPage(domain: PortalDomain): NotAMemberPage {
  return async (ctx) => {
    const me = meOf(ctx);
    if (!me) return {};
    return {
      ...(await requestAccessPage(domain, me.signedIn)),
      form: EMPTY_FORM,
      notice:
        ctx.query.done === 'requested'
          ? 'Your request is sent. The organization’s administrators have been told by e-mail.'
          : undefined,
    };
  };
}

/** J16 **Request access** (from the J12 page), J17 **Approve** and **Decline** (organization page). */
export function accessRequestRoutes(router: PortalRouter, portal: PortalContext): void {
  // Two forms, two paths: an organization id counts only where it was offered (the suggested
  // route), an account number only where it was typed.
  const request = (by: 'suggested' | 'by-number') => async (ctx: PortalRequest) => {
    const me = requireSignIn(ctx);
    if (!me) return;
    const posted = postedForm(ctx, requestAccessForm);
    const form =
      by === 'suggested'
        ? { ...EMPTY_FORM, organizationId: posted.organizationId }
        : { ...posted, organizationId: '' };
    await attempt(
      ctx,
      async () => {
        await requestAccess(portal.domain, me.signedIn, form);
        ctx.status = 303;
        ctx.redirect('/?done=requested');
      },
      async (refusal) => {
        // A member (approved meanwhile, say) is told on the error page: the J12 page is not theirs.
        if (me.memberships.length > 0) throw refusal;
        await renderNotAMember(ctx, portal, { form, ...refusalOf(refusal) }, refusal.status);
      },
      // An organization id that is not offered to this person: not found, whatever it is.
      (refusal) => refusal.code === 'NOT_FOUND',
    );
  };
  router.post('/access-requests/suggested', request('suggested'));
  router.post('/access-requests/by-number', request('by-number'));

  const decision = '/accounts/:orgId/access-requests/:id';
  const target = (ctx: PortalRequest) => ({
    actor: actorOf(ctx),
    organizationId: ctx.params.orgId!,
    requestId: ctx.params.id!,
  });
  const decided = (ctx: PortalRequest, done: string) => {
    ctx.status = 303;
    ctx.redirect(`/accounts/${ctx.params.orgId}?done=${done}#access-requests`);
  };

  router.post(`${decision}/approve`, requireMemberOf(portal), async (ctx) => {
    const roles = rolesSchema.parse(formFields(ctx));
    await attempt(
      ctx,
      async () => {
        await approveRequest(portal.domain, { ...target(ctx), roles });
        decided(ctx, 'approved');
      },
      (refusal) => renderRefused(ctx, portal, refusal),
      notFound,
    );
  });

  router.post(`${decision}/decline`, requireMemberOf(portal), async (ctx) => {
    await attempt(
      ctx,
      async () => {
        await declineRequest(portal.domain, { ...target(ctx), reason: formFields(ctx).reason ?? '' });
        decided(ctx, 'declined');
      },
      (refusal) => renderRefused(ctx, portal, refusal),
      notFound,
    );
  });
}

/** Another organization's request, or one that does not exist: the 404 page. */
function notFound(refusal: AppError): boolean {
  return refusal.code === 'NOT_FOUND';
}

/** A decision that did not happen: what happened instead (decided by someone else, expired, bad input). */
async function renderRefused(ctx: PortalRequest, portal: PortalContext, refusal: AppError): Promise<void> {
  await portal.views.render(
    ctx,
    'access-request-refused',
    { title: 'Access request', organizationId: ctx.params.orgId, ...refusalOf(refusal) },
    refusal.status,
  );
}
