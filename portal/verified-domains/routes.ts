import type { AppError } from '../../adapters/http/errors.ts';
import { formFields } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import { actorOf } from '../membership/gate.ts';
import { requireMemberOf } from '../membership/sign-in-strength.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import { challengeNameOf } from './domain-name.ts';
import { txtLookup } from './txt-lookup.ts';
import { addDomain, administeredDomain, removeDomain, setEnrolment } from './verified-domains.ts';
import { verifyDomain } from './verify-domain.ts';

const NOTICES: Record<string, string> = {
  added: 'Added. Publish the TXT record below, then select Verify.',
  verified: 'Verified. The domain is this organization’s; choose how its people may join.',
  enrolment: 'Saved.',
};

/** Verified domains (J18): Add domain, the TXT record, Verify, the enrolment mode, Remove domain. */
export function verifiedDomainRoutes(router: PortalRouter, portal: PortalContext): void {
  const base = '/accounts/:orgId/domains';
  // Signed in, a member, as strongly as `:orgId` asks (J15); whether they administer it (or its
  // partner) is the service's call, and anyone else is told it does not exist.
  const admin = requireMemberOf(portal);
  const lookup = txtLookup(portal.config.DNS_SERVERS);
  const target = (ctx: PortalRequest) => ({
    actor: actorOf(ctx),
    organizationId: ctx.params.orgId!,
    domainId: ctx.params.id!,
  });
  const domainPath = (ctx: PortalRequest, id: string, done: string) =>
    `/accounts/${ctx.params.orgId}/domains/${id}?done=${done}`;

  router.post(base, admin, async (ctx) => {
    const typed = formFields(ctx).domain ?? '';
    await attempt(
      ctx,
      async () => {
        const row = await addDomain(portal.domain, {
          actor: actorOf(ctx),
          organizationId: ctx.params.orgId!,
          domain: typed,
        });
        ctx.status = 303;
        ctx.redirect(domainPath(ctx, row.id, 'added'));
      },
      async (refusal) => {
        const organization = await administeredOrganization(portal.domain, actorOf(ctx), ctx.params.orgId!);
        const data = { title: 'Add domain', organization, domainInput: typed, ...refusalOf(refusal) };
        await portal.views.render(ctx, 'verified-domains-add', data, refusal.status);
      },
      notFound,
    );
  });

  router.get(`${base}/:id`, admin, async (ctx) => renderDomain(ctx, portal));

  router.post(`${base}/:id/verify`, admin, async (ctx) => {
    const outcome = await verifyDomain(portal.domain, lookup, target(ctx));
    if (outcome.verified) {
      ctx.status = 303;
      ctx.redirect(domainPath(ctx, ctx.params.id!, 'verified'));
      return;
    }
    await renderDomain(ctx, portal, {
      message: outcome.message,
      code: outcome.reason,
      status: outcome.status,
    });
  });

  router.post(`${base}/:id/enrolment`, admin, async (ctx) => {
    await attempt(
      ctx,
      async () => {
        await setEnrolment(portal.domain, { ...target(ctx), enrolment: formFields(ctx).enrolment ?? '' });
        ctx.status = 303;
        ctx.redirect(domainPath(ctx, ctx.params.id!, 'enrolment'));
      },
      (refusal) => renderDomain(ctx, portal, { ...refusalOf(refusal), status: refusal.status }),
      notFound,
    );
  });

  router.post(`${base}/:id/remove`, admin, async (ctx) => {
    await removeDomain(portal.domain, target(ctx));
    ctx.status = 303;
    ctx.redirect(`/accounts/${ctx.params.orgId}#verified-domains`);
  });
}

// Not found (another organization's domain, say) is the error page's, not a form's message.
const notFound = (refusal: AppError) => refusal.status === 404;

async function renderDomain(
  ctx: PortalRequest,
  portal: PortalContext,
  refusal: { message?: string; code?: string; errors?: Record<string, string>; status?: number } = {},
): Promise<void> {
  const { organization, verifiedDomain } = await administeredDomain(portal.domain, {
    actor: actorOf(ctx),
    organizationId: ctx.params.orgId!,
    domainId: ctx.params.id!,
  });
  const done = typeof ctx.query.done === 'string' && !refusal.message ? NOTICES[ctx.query.done] : undefined;
  const { status = 200, ...shown } = refusal;
  await portal.views.render(
    ctx,
    'verified-domains-domain',
    {
      title: verifiedDomain.domain,
      organization,
      verifiedDomain,
      recordName: challengeNameOf(verifiedDomain.domain),
      notice: done,
      ...shown,
    },
    status,
  );
}
