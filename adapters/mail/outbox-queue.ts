import type { Transaction } from '@mikro-orm/core';
import type { Database } from '../db/database.ts';

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
 * The outbox table of one service, as SQL the dispatcher runs inside its own transactions.
 * Qualified with the ORM's default schema: the same table exists in each service's schema.
 */
export interface OutboxQueue {
  /** Lock the next due mail (skipping rows other dispatchers hold), or `undefined`. */
  lockNextDue(tx: Transaction, now: Date): Promise<PendingMail | undefined>;
  markSent(tx: Transaction, id: string, now: Date): Promise<void>;
  markFailed(tx: Transaction, id: string, nextAttemptAt: Date, error: string): Promise<void>;
  stats(now: Date): Promise<{ pending: number; oldestPendingAgeSeconds: number }>;
}

/** The outbox queue of the service whose ORM is given. */
export function outboxQueue(orm: Database): OutboxQueue {
  const conn = orm.em.getConnection();
  const table = `${quoteIdentifier(orm.config.get('schema') ?? 'public')}.outbox_mail`;
  // Oldest first; a mail waits while an older one to the same recipient is still pending (even if
  // it is locked by another dispatcher or backing off), so one person's mails arrive in order
  // (the newest verification code last) without one bad address holding up everybody else.
  // FOR UPDATE … SKIP LOCKED: each dispatcher takes a different row, none waits, none sends twice.
  const pick = `select m.id, m."to", m.subject, m.text, m.html, m.attempts
    from ${table} m
    where m.sent_at is null and m.next_attempt_at <= ?
      and not exists (
        select 1 from ${table} older
        where older.sent_at is null and older."to" = m."to"
          and (older.created_at, older.id) < (m.created_at, m.id))
    order by m.created_at, m.id
    limit 1
    for update of m skip locked`;
  return {
    lockNextDue: async (tx, now) => {
      const rows: PendingMail[] = await conn.execute(pick, [now], 'all', tx);
      return rows[0];
    },
    markSent: async (tx, id, now) => {
      await conn.execute(
        `update ${table} set sent_at = ?, last_error = null where id = ?`,
        [now, id],
        'run',
        tx,
      );
    },
    markFailed: async (tx, id, nextAttemptAt, error) => {
      const sql = `update ${table} set attempts = attempts + 1, next_attempt_at = ?, last_error = ? where id = ?`;
      await conn.execute(sql, [nextAttemptAt, error, id], 'run', tx);
    },
    stats: async (now) => {
      // Ages computed in SQL: MikroORM hands timestamps back as strings, not Dates.
      const sql = `select count(*)::int as pending,
          coalesce(floor(extract(epoch from (?::timestamptz - min(created_at)))), 0)::int as age
        from ${table} where sent_at is null`;
      const [row] = await conn.execute<{ pending: number; age: number }[]>(sql, [now], 'all');
      return { pending: row?.pending ?? 0, oldestPendingAgeSeconds: Math.max(0, row?.age ?? 0) };
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
