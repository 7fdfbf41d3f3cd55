import type { EntityManager } from '@mikro-orm/core';
import type { Database } from '../db/database.ts';
import { executeIn, query, queryIn, type Statement, statement } from '../db/statements.ts';

/** A pending outbox row, as the dispatcher reads it. */
export interface PendingMail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attempts: number;
}

/**
 * The outbox table of one service, as SQL the dispatcher runs inside its own transactions (`tx`,
 * the EntityManager of `em.transactional`). Qualified with the ORM's default schema: the same
 * table exists in each service's schema.
 */
export interface OutboxQueue {
  /** Lock the next due mail (skipping rows other dispatchers hold), or `undefined`. */
  lockNextDue(tx: EntityManager, now: Date): Promise<PendingMail | undefined>;
  markSent(tx: EntityManager, id: string, now: Date): Promise<void>;
  markFailed(tx: EntityManager, id: string, nextAttemptAt: Date, error: string): Promise<void>;
  stats(now: Date): Promise<{ pending: number; oldestPendingAgeSeconds: number }>;
}

/** The outbox queue of the service whose ORM is given. */
export function outboxQueue(orm: Database): OutboxQueue {
  const sql = outboxStatements(orm.config.get('schema') ?? 'public');
  return {
    lockNextDue: async (tx, now) => {
      const [row] = await queryIn<PendingMail>(tx, sql.lockNextDue, [now]);
      return row;
    },
    markSent: async (tx, id, now) => {
      await executeIn(tx, sql.markSent, [now, id]);
    },
    markFailed: async (tx, id, nextAttemptAt, error) => {
      await executeIn(tx, sql.markFailed, [nextAttemptAt, error, id]);
    },
    stats: async (now) => {
      const [row] = await query<{ pending: number; age: number }>(orm, sql.stats, [now]);
      return { pending: row?.pending ?? 0, oldestPendingAgeSeconds: Math.max(0, row?.age ?? 0) };
    },
  };
}

/**
 * The outbox's statements for one schema, named after it: each service's ORM sends its own. The
 * names make `statement` return the same text for the same schema, however often it is asked.
 */
function outboxStatements(
  schema: string,
): Record<'lockNextDue' | 'markSent' | 'markFailed' | 'stats', Statement> {
  const table = `${quoteIdentifier(schema)}.outbox_mail`;
  return {
    // Oldest first; a mail waits while an older one to the same recipient is still pending (even
    // if it is locked by another dispatcher or backing off), so one person's mails arrive in order
    // (the newest verification code last) without one bad address holding up everybody else.
    // FOR UPDATE … SKIP LOCKED: each dispatcher takes a different row, none waits, none sends twice.
    lockNextDue: statement(
      `${schema}.outbox.lock-next-due`,
      `select m.id, m."to", m.subject, m.text, m.html, m.attempts
        from ${table} m
        where m.sent_at is null and m.next_attempt_at <= $1
          and not exists (
            select 1 from ${table} older
            where older.sent_at is null and older."to" = m."to"
              and (older.created_at, older.id) < (m.created_at, m.id))
        order by m.created_at, m.id
        limit 1
        for update of m skip locked`,
    ),
    markSent: statement(
      `${schema}.outbox.mark-sent`,
      `update ${table} set sent_at = $1, last_error = null where id = $2`,
    ),
    markFailed: statement(
      `${schema}.outbox.mark-failed`,
      `update ${table} set attempts = attempts + 1, next_attempt_at = $1, last_error = $2 where id = $3`,
    ),
    // Ages computed in SQL: timestamps come back as strings, not Dates.
    stats: statement(
      `${schema}.outbox.stats`,
      `select count(*)::int as pending,
          coalesce(floor(extract(epoch from ($1::timestamptz - min(created_at)))), 0)::int as age
        from ${table} where sent_at is null`,
    ),
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
