import { fileURLToPath } from 'node:url';
import { queryIn, statement } from '../../adapters/db/statements.ts';
import { createMailTemplates } from '../../adapters/mail/mail-templates.ts';
import { enqueueMail, type MailContent } from '../../adapters/mail/outbox.ts';
import { recordAudit } from '../audit/audit.ts';
import type { PortalDomain } from '../domain.ts';
import { reviewCandidatesIn } from './review-candidates.ts';

const DAY_MS = 86_400_000;

/**
 * The organizations whose review is due, locked for this pass; another instance's pass at the same
 * moment skips them (and once this one commits, they are no longer due).
 */
const DUE = statement(
  'portal.access-review.due',
  `select id, name, review_period_days, inactivity_days from portal.organization
    where next_review_at <= $1
    order by next_review_at, id
    limit $2
    for update skip locked`,
);

const ADVANCE = statement(
  'portal.access-review.advance',
  `update portal.organization set next_review_at = $2 where id = $1`,
);

/**
 * Who is told a review is due: the organization's Administrators and those of its partners who can
 * act (bound to an IdP account); one e-mail each, whatever roles they hold in which organization.
 */
const RECIPIENTS = statement(
  'portal.access-review.recipients',
  `select lower(p.email) as email, min(p.given_name) as given_name
     from portal.professional p
    where p.is_administrator and p.status = 'active'
      and (p.organization_id = $1
        or p.organization_id in (select partner_id from portal.partner_link where customer_id = $1))
    group by lower(p.email)
    order by 1`,
);

const templates = createMailTemplates(fileURLToPath(new URL('../views/mail', import.meta.url)));

interface DueRow {
  id: string;
  name: string;
  review_period_days: number;
  inactivity_days: number;
}

/**
 * One pass of "access reviews are due", at `now`: for each organization whose `next_review_at` has
 * come (at most `batchSize`), its administrators get one e-mail with what there is to review and
 * the link, and the next review moves one period on — the e-mails, the new date and the audit
 * event in one transaction, so the reminder is sent once or (rolled back) not at all. Resolves to
 * the organizations reminded.
 */
export async function sendDueReviewReminders(
  domain: PortalDomain,
  now: Date,
  batchSize: number,
): Promise<number> {
  return domain.orm.em.fork().transactional(async (tx) => {
    const due = await queryIn<DueRow>(tx, DUE, [now, batchSize]);
    for (const org of due) {
      const listed = await reviewCandidatesIn(tx, {
        organizationId: org.id,
        inactivityDays: org.inactivity_days,
        now,
      });
      const inactive = listed.filter((c) => c.reason === 'inactive').length;
      const unclaimed = listed.length - inactive;
      const recipients = await queryIn<{ email: string; given_name: string }>(tx, RECIPIENTS, [org.id]);
      for (const recipient of recipients)
        enqueueMail(
          tx,
          reviewDueMail({
            to: recipient.email,
            givenName: recipient.given_name,
            organizationName: org.name,
            productName: domain.productName,
            link: `${domain.portalUrl}/accounts/${org.id}/review`,
            inactive,
            unclaimed,
            inactivityDays: org.inactivity_days,
          }),
        );
      const next = new Date(now.getTime() + org.review_period_days * DAY_MS);
      await queryIn(tx, ADVANCE, [org.id, next]);
      recordAudit(tx, {
        organizationId: org.id,
        actor: 'system',
        action: 'review.due',
        detail: { inactive, unclaimed, notified: recipients.length, nextReviewAt: next.toISOString() },
      });
    }
    return due.length;
  });
}

export interface ReviewDueMailInput {
  readonly to: string;
  readonly givenName: string;
  readonly organizationName: string;
  readonly productName: string;
  readonly link: string;
  readonly inactive: number;
  readonly unclaimed: number;
  readonly inactivityDays: number;
}

/** "An access review is due", in text and HTML; the HTML body escapes every value. */
export function reviewDueMail(input: ReviewDueMailInput): MailContent {
  // The organization's name is an administrator's input: a line break would end the header.
  const subject = `Access review due for ${input.organizationName}`.replace(/[\r\n]+/g, ' ');
  return { to: input.to, subject, ...templates.render('access-review-due', { ...input }) };
}
