import { Readable } from 'node:stream';
import { type AppError, isAppError } from '../../adapters/http/errors.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import { AUDIT_ACTIONS } from '../audit/audit-actions.ts';
import { actorOf } from '../membership/gate.ts';
import { requireMemberOf } from '../membership/sign-in-strength.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import { auditCsv, auditLog } from './audit-log.ts';
import { encodeCursor, filterQuery } from './audit-query.ts';

/** The Audit log page and its CSV export (J20). */
export function auditLogRoutes(router: PortalRouter, portal: PortalContext): void {
  const admin = requireMemberOf(portal);
  const input = (ctx: PortalRequest) => ({
    actor: actorOf(ctx),
    organizationId: ctx.params.orgId!,
    query: ctx.query as Record<string, unknown>,
  });

  router.get('/accounts/:orgId/audit', admin, async (ctx) => {
    await attempt(
      ctx,
      async () => {
        const log = await auditLog(portal.domain, input(ctx));
        const filters = filterQuery(log.filters);
        const older = log.older && new URLSearchParams([...filters, ['before', encodeCursor(log.older)]]);
        await portal.views.render(ctx, 'audit-log', {
          title: `Audit log: ${log.organization.name}`,
          ...log,
          actions: AUDIT_ACTIONS,
          values: valuesOf(ctx),
          olderUrl: older && `?${older}`,
          newestQuery: filters.toString(),
          csvUrl: `/accounts/${log.organization.id}/audit.csv${filters.size > 0 ? `?${filters}` : ''}`,
          firstPage: !ctx.query.before,
          errors: {},
        });
      },
      (refusal) => renderRefusedFilters(ctx, portal, refusal),
      notFound,
    );
  });

  router.get('/accounts/:orgId/audit.csv', admin, async (ctx) => {
    await attempt(
      ctx,
      async () => {
        const { organization, chunks } = await auditCsv(portal.domain, input(ctx));
        const day = new Date().toISOString().slice(0, 10);
        ctx.set('Content-Disposition', `attachment; filename="audit-log-${organization.id}-${day}.csv"`);
        ctx.set('Cache-Control', 'no-store');
        ctx.type = 'text/csv; charset=utf-8';
        ctx.body = Readable.from(chunks);
      },
      (refusal) => renderRefusedFilters(ctx, portal, refusal),
      notFound,
    );
  });
}

/** The filters as typed, for the form shown again. */
function valuesOf(ctx: PortalRequest): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of ['person', 'action', 'from', 'to']) {
    const value = ctx.query[key];
    const first = Array.isArray(value) ? value[0] : value;
    values[key] = typeof first === 'string' ? first : '';
  }
  return values;
}

/** Bad filters or a tampered cursor: the page with the filter form, its errors, and no events. */
async function renderRefusedFilters(ctx: PortalRequest, portal: PortalContext, refusal: AppError) {
  const organization = await administeredOrganization(portal.domain, actorOf(ctx), ctx.params.orgId!);
  const { message, code, errors } = refusalOf(refusal);
  await portal.views.render(
    ctx,
    'audit-log',
    {
      title: `Audit log: ${organization.name}`,
      organization,
      rows: [],
      actions: AUDIT_ACTIONS,
      values: valuesOf(ctx),
      firstPage: true,
      message: errors.before ?? message,
      code,
      errors,
    },
    refusal.status,
  );
}

function notFound(refusal: AppError): boolean {
  return isAppError(refusal, 'NOT_FOUND');
}
