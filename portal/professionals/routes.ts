import { type AppError, isAppError } from '../../adapters/http/errors.ts';
import { formFields } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import { actorOf } from '../membership/gate.ts';
import { requireMemberOf } from '../membership/sign-in-strength.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import { importRoutes } from './import-routes.ts';
import { professionalProfile } from './professional-profile.ts';
import { addProfessional, deleteProfessional, sendInvitation, updateProfessional } from './professionals.ts';
import { EMPTY_PROFILE_FORM, type ProfileForm, professionalForm } from './profile-form.ts';

const NOTICES: Record<string, string> = {
  added: 'Saved. The professional was added.',
  invited: 'The invitation e-mail is on its way. Any earlier link no longer works.',
  saved: 'Saved.',
};

/** Add New Professionals, the profile with Edit / Save, Send Invite E-mail, and Delete (J2, J6, J7). */
export function professionalRoutes(router: PortalRouter, portal: PortalContext): void {
  const base = '/accounts/:orgId/professionals';
  // Signed in, a member (J12), as strongly as `:orgId` asks (J15); whether they administer it is the
  // service's call.
  const admin = requireMemberOf(portal);
  const target = (ctx: PortalRequest) => ({
    actor: actorOf(ctx),
    organizationId: ctx.params.orgId!,
    professionalId: ctx.params.id!,
  });
  const profilePath = (ctx: PortalRequest, id: string, done: string) =>
    `/accounts/${ctx.params.orgId}/professionals/${id}?done=${done}`;

  // Before `${base}/:id`, which would take `import` for an id.
  importRoutes(router, portal);

  router.get(`${base}/new`, admin, async (ctx) => {
    await administeredOrganization(portal.domain, actorOf(ctx), ctx.params.orgId!);
    await renderForm(ctx, portal, 'new', EMPTY_PROFILE_FORM);
  });

  router.post(base, admin, async (ctx) => {
    const form = professionalForm.parse(formFields(ctx));
    await refusingWithForm(ctx, portal, 'new', form, async () => {
      const { professional } = await addProfessional(portal.domain, {
        actor: actorOf(ctx),
        organizationId: ctx.params.orgId!,
        ...form,
      });
      ctx.status = 303;
      ctx.redirect(profilePath(ctx, professional.id, form.sendInvitation ? 'invited' : 'added'));
    });
  });

  router.get(`${base}/:id`, admin, async (ctx) => renderProfile(ctx, portal));

  router.get(`${base}/:id/edit`, admin, async (ctx) => {
    const { professional: p, roles } = await professionalProfile(
      portal.domain,
      actorOf(ctx),
      ctx.params.orgId!,
      ctx.params.id!,
    );
    await renderForm(ctx, portal, 'edit', professionalForm.parse({ ...p, ...roles }));
  });

  router.post(`${base}/:id`, admin, async (ctx) => {
    const form = professionalForm.parse(formFields(ctx));
    await refusingWithForm(ctx, portal, 'edit', form, async () => {
      await updateProfessional(portal.domain, { ...target(ctx), profile: form.profile, roles: form.roles });
      ctx.status = 303;
      ctx.redirect(profilePath(ctx, ctx.params.id!, 'saved'));
    });
  });

  router.post(`${base}/:id/invite`, admin, async (ctx) => {
    await sendInvitation(portal.domain, target(ctx));
    ctx.status = 303;
    ctx.redirect(profilePath(ctx, ctx.params.id!, 'invited'));
  });

  router.get(`${base}/:id/delete`, admin, async (ctx) => {
    const profile = await professionalProfile(portal.domain, actorOf(ctx), ctx.params.orgId!, ctx.params.id!);
    await portal.views.render(ctx, 'delete-professional', { title: 'Delete professional', ...profile });
  });

  router.post(`${base}/:id/delete`, admin, async (ctx) => {
    await attempt(
      ctx,
      async () => {
        await deleteProfessional(portal.domain, target(ctx));
        ctx.status = 303;
        ctx.redirect(`/accounts/${ctx.params.orgId}?done=deleted`);
      },
      (refusal) => renderProfile(ctx, portal, refusal),
      pageGone,
    );
  });
}

async function renderProfile(ctx: PortalRequest, portal: PortalContext, refusal?: AppError): Promise<void> {
  const profile = await professionalProfile(portal.domain, actorOf(ctx), ctx.params.orgId!, ctx.params.id!);
  const done = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
  await portal.views.render(
    ctx,
    'professional',
    {
      title: profile.professional.fullName(),
      ...profile,
      notice: refusal ? undefined : done,
      message: refusal?.message,
      code: refusal?.code,
    },
    refusal?.status ?? 200,
  );
}

async function renderForm(
  ctx: PortalRequest,
  portal: PortalContext,
  mode: 'new' | 'edit',
  form: ProfileForm,
  state: { message?: string; code?: string; errors?: Record<string, string> } = {},
  status = 200,
): Promise<void> {
  const orgPath = `/accounts/${ctx.params.orgId}`;
  await portal.views.render(
    ctx,
    'professional-form',
    {
      title: mode === 'new' ? 'Add New Professionals' : 'Edit professional',
      mode,
      form,
      action: mode === 'new' ? `${orgPath}/professionals` : `${orgPath}/professionals/${ctx.params.id}`,
      cancel: mode === 'new' ? orgPath : `${orgPath}/professionals/${ctx.params.id}`,
      errors: state.errors ?? {},
      message: state.message,
      code: state.code,
    },
    status,
  );
}

/** Run a change; a refusal shows the form again as it was sent, with the message and field errors. */
function refusingWithForm(
  ctx: PortalRequest,
  portal: PortalContext,
  mode: 'new' | 'edit',
  form: ProfileForm,
  change: () => Promise<void>,
): Promise<void> {
  return attempt(
    ctx,
    change,
    (refusal) => renderForm(ctx, portal, mode, form, refusalOf(refusal), refusal.status),
    pageGone,
  );
}

/** The organization or the professional is gone (or never was): the 404 page, not the form. */
function pageGone(refusal: AppError): boolean {
  return isAppError(refusal, 'NOT_FOUND');
}
