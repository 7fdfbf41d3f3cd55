import { defineEntity, type EntityManager, p } from '@mikro-orm/core';
import addressparser from 'nodemailer/lib/addressparser';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../http/errors.ts';

/**
 * One e-mail waiting in (or delivered from) the transactional outbox. No fixed schema: each
 * service's MikroORM instance maps it into its own default schema (`idp`, `portal`).
 */
const OutboxMailSchema = defineEntity({
  name: 'OutboxMail',
  tableName: 'outbox_mail',
  properties: {
    /** UUIDv7: `order by created_at, id` is creation order, even within one millisecond. */
    id: p.uuid().primary(),
    to: p.string(),
    subject: p.string(),
    text: p.text(),
    html: p.text(),
    createdAt: p.datetime(),
    attempts: p.integer().default(0),
    /** The dispatcher leaves the row alone until then (retry backoff). */
    nextAttemptAt: p.datetime(),
    sentAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
  },
  // The dispatcher's pick query (outbox-queue.ts), on pending rows only (outbox-migration.ts).
  indexes: [
    { name: 'outbox_mail_pending_idx', properties: ['createdAt', 'id'], where: 'sent_at is null' },
    {
      name: 'outbox_mail_recipient_pending_idx',
      properties: ['to', 'createdAt', 'id'],
      where: 'sent_at is null',
    },
  ],
});

export class OutboxMail extends OutboxMailSchema.class {}
OutboxMailSchema.setClass(OutboxMail);

export { OutboxMailSchema };

/** What a service hands to the outbox: one recipient, a subject, and both bodies. */
export interface MailContent {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Queue a mail in the caller's unit of work: the row is written by the caller's flush or commit,
 * in the same transaction as the change that causes it, so a rolled-back change sends nothing and
 * a committed one is sent by the dispatcher even if SMTP is down right now.
 * Throws `AppError('INVALID_MAIL_HEADER')` for a recipient or subject that could inject headers.
 *
 * @example
 *   await em.transactional(async (tx) => {
 *     account.emailVerified = false;
 *     enqueueMail(tx, { to: account.email, subject: 'Verify your e-mail', text, html });
 *   });
 */
export function enqueueMail(em: EntityManager, mail: MailContent): OutboxMail {
  assertSingleRecipient(mail.to);
  assertHeaderSafe('subject', mail.subject);
  const { id, createdAt } = newOutboxId();
  const row = em.create(OutboxMail, {
    id,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    createdAt,
    attempts: 0,
    nextAttemptAt: createdAt,
  });
  em.persist(row);
  return row;
}

// Control characters (CR/LF above all) would end the header and let the value add its own
// headers or recipients: header injection.
const HEADER_UNSAFE = /[\p{Cc}\u2028\u2029]/u;

function assertHeaderSafe(field: 'to' | 'subject', value: string): void {
  if (HEADER_UNSAFE.test(value)) throw invalidHeader(field);
}

// A comma-separated list would turn one recipient into several: exactly one mailbox per row.
function assertSingleRecipient(to: string): void {
  assertHeaderSafe('to', to);
  const parsed = addressparser(to, { flatten: true });
  if (parsed.length !== 1 || !parsed[0]?.address.includes('@')) throw invalidHeader('to');
}

function invalidHeader(field: 'to' | 'subject'): AppError<'INVALID_MAIL_HEADER'> {
  return new AppError(
    'INVALID_MAIL_HEADER',
    400,
    'This e-mail cannot be sent: its address or subject is not valid.',
    {
      fields: {
        [field]: field === 'to' ? 'Enter one valid e-mail address.' : 'Enter a subject on one line.',
      },
    },
  );
}

/**
 * A UUIDv7 (RFC 9562 §5.7) and the creation instant it encodes. The `uuid` package keeps a counter
 * in the bits after the millisecond (§6.2, method 1), so two mails queued one after the other by
 * this process sort in that order, even within one millisecond.
 */
function newOutboxId(): { id: string; createdAt: Date } {
  const id = uuidv7();
  return { id, createdAt: new Date(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)) };
}
