import { type AppError, isAppError } from '../../adapters/http/errors.ts';
import { formFields } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import { actorOf } from '../membership/gate.ts';
import { requireMemberOf } from '../membership/sign-in-strength.ts';
import type { PortalContext, PortalRequest, PortalRouter } from '../portal-context.ts';
import {
  accessReview,
  completeReview,
  type Decision,
  decisionsOf,
  saveReviewSettings,
} from './access-review.ts';

/** The Access review page, Complete review, and the review settings of the organization page (J19). */
export function accessReviewRoutes(router: PortalRouter, portal: PortalContext): void {
  const admin = requireMemberOf(portal);
  const reviewPath = (ctx: PortalRequest) => `/accounts/${ctx.params.orgId}/review`;

  router.get('/accounts/:orgId/review', admin, (ctx) => renderReview(ctx, portal));

  router.post('/accounts/:orgId/review', admin, async (ctx) => {
    const fields = formFields(ctx);
    await attempt(
      ctx,
      async () => {
        const outcome = await completeReview(portal.domain, {
          actor: actorOf(ctx),
          organizationId: ctx.params.orgId!,
          decisions: decisionsOf(fields),
        });
        ctx.status = 303;
        ctx.redirect(
          `${reviewPath(ctx)}?done=completed&removed=${outcome.removed.length}&kept=${outcome.kept.length}`,
        );
      },
      (refusal) => renderReview(ctx, portal, { refusal, chosen: chosenOf(fields) }),
      notFound,
    );
  });

  router.post('/accounts/:orgId/review-settings', admin, async (ctx) => {
    const fields = formFields(ctx);
    await attempt(
      ctx,
      async () => {
        await saveReviewSettings(portal.domain, {
          actor: actorOf(ctx),
          organizationId: ctx.params.orgId!,
          settings: {
            reviewPeriodDays: fields.reviewPeriodDays ?? '',
            inactivityDays: fields.inactivityDays ?? '',
          },
        });
        ctx.status = 303;
        ctx.redirect(`${reviewPath(ctx)}?done=settings`);
      },
      (refusal) => renderReview(ctx, portal, { refusal, settings: fields }),
      notFound,
    );
  });
}

interface ReviewState {
  readonly refusal?: AppError;
  /** The decisions of a refused form, shown again as they were sent. */
  readonly chosen?: ReadonlyMap<string, Decision>;
  /** The settings of a refused settings form. */
  readonly settings?: Record<string, string>;
}

async function renderReview(
  ctx: PortalRequest,
  portal: PortalContext,
  state: ReviewState = {},
): Promise<void> {
  const review = await accessReview(portal.domain, actorOf(ctx), ctx.params.orgId!);
  const all = ctx.query.select === 'remove' || ctx.query.select === 'keep' ? ctx.query.select : undefined;
  const chosen = (id: string): Decision => state.chosen?.get(id) ?? all ?? 'keep';
  const { refusal } = state;
  await portal.views.render(
    ctx,
    'access-review',
    {
      title: `Access review: ${review.organization.name}`,
      ...review,
      chosen,
      settings: {
        reviewPeriodDays: state.settings?.reviewPeriodDays ?? String(review.organization.reviewPeriodDays),
        inactivityDays: state.settings?.inactivityDays ?? String(review.organization.inactivityDays),
      },
      notice: refusal ? undefined : noticeOf(ctx),
      ...(refusal ? shown(refusal) : { errors: {} }),
    },
    refusal?.status ?? 200,
  );
}

/** A refusal as the page shows it: a bad decision's own message, rather than the form's general one. */
function shown(refusal: AppError) {
  const { message, code, errors } = refusalOf(refusal);
  const decision = Object.entries(errors).find(([key]) => key.startsWith('decision-'));
  return { message: decision?.[1] ?? message, code, errors };
}

function chosenOf(fields: Record<string, string>): Map<string, Decision> {
  const chosen = new Map<string, Decision>();
  for (const [key, value] of Object.entries(fields))
    if (key.startsWith('decision-') && (value === 'keep' || value === 'remove'))
      chosen.set(key.slice('decision-'.length), value);
  return chosen;
}

function noticeOf(ctx: PortalRequest): string | undefined {
  if (ctx.query.done === 'settings') return 'Saved. The review settings apply from now on.';
  if (ctx.query.done !== 'completed') return undefined;
  const removed = Number(ctx.query.removed) || 0;
  const kept = Number(ctx.query.kept) || 0;
  return `The review is complete: ${removed} removed, ${kept} kept. The access of those removed has ended.`;
}

function notFound(refusal: AppError): boolean {
  return isAppError(refusal, 'NOT_FOUND');
}
