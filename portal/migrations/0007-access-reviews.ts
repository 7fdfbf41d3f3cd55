import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * J19 and J20: each organization's access review schedule, and the audit log's indexes.
 *
 * - `review_period_days` (30, 90 or 180) and `inactivity_days` are the organization's settings;
 *   `next_review_at` is when the next review is due. Existing organizations (and a row inserted
 *   without it) get their first review one default period from now, not at once: an upgrade must
 *   not send every administrator of every organization a reminder on the same minute.
 * - The audit log pages one organization's events on (at desc, id desc); the old index on
 *   (organization_id, at desc) is a prefix of the new one, so it goes. Retention deletes the
 *   oldest events of all organizations, by `at`.
 */
export const accessReviews = sqlMigration('0007-access-reviews', [
  `alter table organization
     add column review_period_days integer not null default 90
       constraint organization_review_period_check check (review_period_days in (30, 90, 180)),
     add column inactivity_days integer not null default 90
       constraint organization_inactivity_days_check check (inactivity_days between 1 and 3650),
     add column next_review_at timestamptz not null default (now() + interval '90 days')`,
  `create index organization_next_review_idx on organization (next_review_at)`,
  `create index audit_event_org_at_id_idx on audit_event (organization_id, at desc, id desc)`,
  `drop index audit_event_org_at_idx`,
  `create index audit_event_at_idx on audit_event (at)`,
]);
