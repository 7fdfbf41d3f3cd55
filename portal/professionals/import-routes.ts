import { isAppError } from '../../adapters/http/errors.ts';
import { attempt } from '../../adapters/http/refusal.ts';
import { actorOf } from '../membership/gate.ts';
import { requireMemberOf } from '../membership/sign-in-strength.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import type { PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import { browserSessionId } from '../sessions/sessions.ts';
import { uploadedFile } from './csv-upload.ts';
import { importProfessionals, previewImport } from './import-professionals.ts';

/**
 * Import professionals: the upload form, its preview (`POST …/import`, multipart: `importUpload`
 * reads it), and **Import** (`POST …/import/:previewId`). Registered before `…/professionals/:id`.
 */
export function importRoutes(router: PortalRouter, portal: PortalContext): void {
  const path = '/accounts/:orgId/professionals/import';
  const admin = requireMemberOf(portal);
  const target = (ctx: PortalRequest) => ({
    actor: actorOf(ctx),
    organizationId: ctx.params.orgId!,
    sessionId: browserSessionId(ctx),
  });

  router.get(path, admin, async (ctx) => {
    const organization = await administeredOrganization(portal.domain, actorOf(ctx), ctx.params.orgId!);
    const imported = Number(ctx.query.imported);
    const notice =
      Number.isSafeInteger(imported) && imported > 0
        ? `Imported ${imported.toLocaleString('en-US')} ${imported === 1 ? 'professional' : 'professionals'}. Each receives an invitation e-mail.`
        : undefined;
    await renderUpload(ctx, portal, organization, { notice });
  });

  router.post(path, admin, async (ctx) => {
    const organization = await administeredOrganization(portal.domain, actorOf(ctx), ctx.params.orgId!);
    const file = uploadedFile(ctx);
    await attempt(
      ctx,
      async () => {
        if (!file || file.bytes.length === 0) {
          await renderUpload(ctx, portal, organization, { message: 'Choose a CSV file to upload.' }, 400);
          return;
        }
        const preview = await previewImport(portal.domain, {
          ...target(ctx),
          fileName: file.name,
          bytes: file.bytes,
        });
        await portal.views.render(
          ctx,
          'import-professionals-preview',
          { title: 'Import professionals: preview', organization, preview },
          preview.problems.length > 0 ? 422 : 200,
        );
      },
      (refusal) =>
        renderUpload(
          ctx,
          portal,
          organization,
          { message: refusal.message, code: refusal.code },
          refusal.status,
        ),
      (refusal) => isAppError(refusal, 'NOT_FOUND'),
    );
  });

  router.post(`${path}/:previewId`, admin, async (ctx) => {
    const organization = await administeredOrganization(portal.domain, actorOf(ctx), ctx.params.orgId!);
    await attempt(
      ctx,
      async () => {
        const { imported } = await importProfessionals(portal.domain, {
          ...target(ctx),
          previewId: ctx.params.previewId!,
        });
        ctx.status = 303;
        ctx.redirect(`/accounts/${organization.id}/professionals/import?imported=${imported}`);
      },
      (refusal) =>
        renderUpload(
          ctx,
          portal,
          organization,
          { message: refusal.message, code: refusal.code },
          refusal.status,
        ),
    );
  });
}

function renderUpload(
  ctx: PortalRequest,
  portal: PortalContext,
  organization: Organization,
  state: { notice?: string; message?: string; code?: string },
  status = 200,
): Promise<void> {
  return portal.views.render(
    ctx,
    'import-professionals',
    { title: 'Import professionals', organization, ...state },
    status,
  );
}
