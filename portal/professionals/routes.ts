import { type AppError, isAppError } from '../../adapters/http/errors.ts';
import { formFields } from '../../adapters/http/forms.ts';
import { actorOf, requireMember } from '../membership/gate.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import { professionalProfile } from './professional-profile.ts';
import { addProfessional, deleteProfessional, sendInvitation, updateProfessional } from './professionals.ts';
import { EMPTY_PROFILE_FORM, type ProfileForm, readProfileForm } from './profile-form.ts';

const NOTICES: Record<string, string> = {
  added: 'Saved. The professional was added.',
  invited: 'The invitation e-mail is on its way. Any earlier link no longer works.',
  saved: 'Saved.',
};

/** Add New Professionals, the profile with Edit / Save, Send Invite E-mail, and Delete (J2, J6, J7). */
export function professionalRoutes(router: PortalRouter, portal: PortalContext): void {
  const base = '/accounts/:orgId/professionals';
  // Signed in and a member (the J12 gate); whether they administer `:orgId` is the service's call.
  const admin = requireMember(portal);
  const target = (ctx: PortalRequest) => ({
    actor: actorOf(ctx),
    organizationId: ctx.params.orgId!,
    professionalId: ctx.params.id!,
  });
  const profilePath = (ctx: PortalRequest, id: string, done: string) =>
    `/accounts/${ctx.params.orgId}/professionals/${id}?done=${done}`;

  router.get(`${base}/new`, admin, async (ctx) => {
    await administeredOrganization(portal.domain, actorOf(ctx), ctx.params.orgId!);
    await renderForm(ctx, portal, 'new', EMPTY_PROFILE_FORM);
  });

  router.post(base, admin, async (ctx) => {
    const form = readProfileForm(formFields(ctx));
    try {
      const { professional } = await addProfessional(portal.domain, {
        actor: actorOf(ctx),
        organizationId: ctx.params.orgId!,
        profile: form,
        roles: form.roles,
        sendInvitation: form.sendInvitation,
      });
      ctx.status = 303;
      ctx.redirect(profilePath(ctx, professional.id, form.sendInvitation ? 'invited' : 'added'));
    } catch (error) {
      await renderFormError(ctx, portal, 'new', form, error);
    }
  });

  router.get(`${base}/:id`, admin, async (ctx) => renderProfile(ctx, portal));

  router.get(`${base}/:id/edit`, admin, async (ctx) => {
    const { professional: p, roles } = await professionalProfile(
      portal.domain,
      actorOf(ctx),
      ctx.params.orgId!,
      ctx.params.id!,
    );
    const form: ProfileForm = {
      ...p,
      phone: p.phone ?? '',
      jobTitle: p.jobTitle ?? '',
      roles,
      sendInvitation: false,
    };
    await renderForm(ctx, portal, 'edit', form);
  });

  router.post(`${base}/:id`, admin, async (ctx) => {
    const form = readProfileForm(formFields(ctx));
    try {
      await updateProfessional(portal.domain, { ...target(ctx), profile: form, roles: form.roles });
      ctx.status = 303;
      ctx.redirect(profilePath(ctx, ctx.params.id!, 'saved'));
    } catch (error) {
      await renderFormError(ctx, portal, 'edit', form, error);
    }
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
    try {
      await deleteProfessional(portal.domain, target(ctx));
    } catch (error) {
      if (!isAppError(error) || error.status >= 500 || error.status === 404) throw error;
      return renderProfile(ctx, portal, error);
    }
    ctx.status = 303;
    ctx.redirect(`/accounts/${ctx.params.orgId}?done=deleted`);
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

async function renderFormError(
  ctx: PortalRequest,
  portal: PortalContext,
  mode: 'new' | 'edit',
  form: ProfileForm,
  error: unknown,
): Promise<void> {
  if (!isAppError(error) || error.status >= 500 || error.status === 404) throw error;
  await renderForm(
    ctx,
    portal,
    mode,
    form,
    { message: error.message, code: error.code, errors: { ...error.fields } },
    error.status,
  );
}
