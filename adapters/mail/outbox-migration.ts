import { sqlMigration } from '../db/migration.ts';

/**
 * The mail outbox table, created in the schema of each service that sends mail (unqualified SQL:
 * the migrator sets `search_path`). Register it in every service's migration list.
 */
export const outboxMigration = sqlMigration('0003-mail-outbox', [
  `create table outbox_mail (
    id uuid primary key,
    "to" text not null,
    subject text not null,
    text text not null,
    html text not null,
    created_at timestamptz not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    sent_at timestamptz,
    last_error text
  )`,
  // The dispatcher's pick query: pending rows that are due, oldest first. Partial, so delivered
  // mail (the bulk of the table over time) costs the index nothing.
  `create index outbox_mail_pending_idx on outbox_mail (created_at, id) where sent_at is null`,
  // The pick query's "no older pending mail to the same recipient" check.
  `create index outbox_mail_recipient_pending_idx on outbox_mail ("to", created_at, id) where sent_at is null`,
]);
