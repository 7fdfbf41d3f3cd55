import { z } from 'zod';
import { isId } from '../../adapters/db/ids.ts';
import { invalidInput, parseForm } from '../../adapters/http/forms.ts';
import { recordAudit } from '../audit/audit.ts';
import { type Actor, nowOf, type PortalDomain } from '../domain.ts';
import { administeredOrganization, lockAdministeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { removeProfessional } from '../professionals/professionals.ts';
import { type ReviewCandidate, reviewCandidates, reviewCandidatesIn } from './review-candidates.ts';

const DAY_MS = 86_400_000;

export const REVIEW_PERIODS = [30, 90, 180] as const;

/** The organization page's review settings form. */
export const reviewSettingsForm = z.object({
  reviewPeriodDays: z
    .enum(['30', '90', '180'], { error: 'Choose 30, 90 or 180 days.' })
    .transform((days) => Number(days) as (typeof REVIEW_PERIODS)[number]),
  inactivityDays: z
    .string()
    .trim()
    .regex(/^\d{1,4}$/, { error: 'Enter a number of days from 1 to 3650.' })
    .pipe(z.coerce.number())
    .pipe(
      z
        .number()
        .int({ error: 'Enter a whole number of days from 1 to 3650.' })
        .min(1, { error: 'Enter a number of days from 1 to 3650.' })
        .max(3650, { error: 'Enter a number of days from 1 to 3650.' }),
    ),
});
export type ReviewSettings = z.output<typeof reviewSettingsForm>;

/** A listed professional, with the mandatory role that keeps them from being removed, if any. */
export interface ReviewRow extends ReviewCandidate {
  /** "Billing Contact" or "Shipping Contact": give it to someone else first; not removable here. */
  readonly heldRole?: string;
}

/** What the organization page shows of its reviews: the settings, when one is due, how many to review. */
export interface ReviewSummary {
  readonly reviewPeriodDays: number;
  readonly inactivityDays: number;
  readonly nextReviewAt: Date;
  readonly toReview: number;
}

function heldRoleOf(organization: Organization, id: string): string | undefined {
  if (organization.billingContactId === id) return 'Billing Contact';
  if (organization.shippingContactId === id) return 'Shipping Contact';
  return undefined;
}

function windowOf(organization: Organization, now: Date) {
  return { organizationId: organization.id, inactivityDays: organization.inactivityDays, now };
}

/** For the organization page (already authorized by its caller): settings and the count to review. */
export async function reviewSummary(
  domain: PortalDomain,
  organization: Organization,
): Promise<ReviewSummary> {
  const candidates = await reviewCandidates(domain.orm, windowOf(organization, nowOf(domain)));
  return {
    reviewPeriodDays: organization.reviewPeriodDays,
    inactivityDays: organization.inactivityDays,
    nextReviewAt: organization.nextReviewAt,
    toReview: candidates.length,
  };
}

/** The Access review page: who is listed and why. Not found unless the actor administers it. */
export async function accessReview(
  domain: PortalDomain,
  actor: Actor,
  organizationId: string,
): Promise<{ organization: Organization; rows: ReviewRow[]; now: Date }> {
  const organization = await administeredOrganization(domain, actor, organizationId);
  const now = nowOf(domain);
  const candidates = await reviewCandidates(domain.orm, windowOf(organization, now));
  const rows = candidates.map((c) => ({ ...c, heldRole: heldRoleOf(organization, c.id) }));
  return { organization, rows, now };
}

/**
 * Save the review period and inactivity threshold (audited). A shorter period brings the next
 * review closer (one new period from now at most); a longer one leaves the date already set.
 */
export async function saveReviewSettings(
  domain: PortalDomain,
  input: { actor: Actor; organizationId: string; settings: Record<string, string> },
): Promise<void> {
  const settings = parseForm(reviewSettingsForm, input.settings);
  await domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    if (
      organization.reviewPeriodDays === settings.reviewPeriodDays &&
      organization.inactivityDays === settings.inactivityDays
    )
      return;
    const soonest = new Date(nowOf(domain).getTime() + settings.reviewPeriodDays * DAY_MS);
    if (soonest < organization.nextReviewAt) organization.nextReviewAt = soonest;
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'review.settings-changed',
      detail: {
        reviewPeriodDays: settings.reviewPeriodDays,
        inactivityDays: settings.inactivityDays,
        before: {
          reviewPeriodDays: organization.reviewPeriodDays,
          inactivityDays: organization.inactivityDays,
        },
      },
    });
    organization.reviewPeriodDays = settings.reviewPeriodDays;
    organization.inactivityDays = settings.inactivityDays;
  });
}

export type Decision = 'keep' | 'remove';

/**
 * The decisions a completed review form posts: one field `decision-<professional id>` per listed
 * professional, `keep` or `remove`. Other fields (the CSRF token) are not decisions. A decision
 * field with another value, or not naming an id, is bad input: nothing is done.
 */
export function decisionsOf(fields: Record<string, string>): Map<string, Decision> {
  const decisions = new Map<string, Decision>();
  for (const [key, value] of Object.entries(fields)) {
    if (!key.startsWith('decision-')) continue;
    const id = key.slice('decision-'.length);
    if (!isId(id) || (value !== 'keep' && value !== 'remove'))
      throw invalidInput({ [key]: 'Choose Keep or Remove.' });
    decisions.set(id.toLowerCase(), value);
  }
  return decisions;
}

/** Who a review kept or removed, as the audit event names them (names are copied: rows go). */
interface Decided {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

export interface ReviewOutcome {
  readonly kept: readonly Decided[];
  readonly removed: readonly Decided[];
  /** Decisions about professionals no longer listed: signed in since, or removed by another review. */
  readonly skipped: number;
}

/**
 * "Complete review": in one transaction, under the organization's lock, the list is read again
 * and each decision applied to a professional still on it — removal through the Delete of
 * professionals/ (mandatory roles, the last Administrator rule, access ends at once). A decision
 * about someone no longer listed is skipped: they signed in since the page was shown, or a review
 * completed meanwhile already removed them, so racing completions never remove twice. A refusal
 * (a mandatory role holder) undoes the whole review. The next review is due one period from now;
 * `review.completed` names who was kept and who removed, next to each `professional.deleted`.
 */
export async function completeReview(
  domain: PortalDomain,
  input: { actor: Actor; organizationId: string; decisions: ReadonlyMap<string, Decision> },
): Promise<ReviewOutcome> {
  return domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    const now = nowOf(domain);
    const listed = await reviewCandidatesIn(tx, windowOf(organization, now));
    const kept: Decided[] = [];
    const removed: Decided[] = [];
    for (const candidate of listed) {
      const decision = input.decisions.get(candidate.id);
      const decided = { id: candidate.id, name: candidate.name, email: candidate.email };
      if (decision === 'keep') kept.push(decided);
      if (decision !== 'remove') continue;
      const professional = await tx.findOneOrFail(
        Professional,
        { id: candidate.id, organization: organization.id },
        { refresh: true },
      );
      await removeProfessional(tx, input.actor, organization, professional);
      removed.push(decided);
    }
    const skipped = input.decisions.size - kept.length - removed.length;
    organization.nextReviewAt = new Date(now.getTime() + organization.reviewPeriodDays * DAY_MS);
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: 'review.completed',
      detail: { kept, removed, skipped, nextReviewAt: organization.nextReviewAt.toISOString() },
    });
    return { kept, removed, skipped };
  });
}
