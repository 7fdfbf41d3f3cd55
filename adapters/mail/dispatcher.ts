import type { EntityManager } from '@mikro-orm/core';
import type { SendMailOptions, Transporter } from 'nodemailer';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { Database } from '../db/database.ts';
import { pollLoop } from '../jobs/poll-loop.ts';
import { type OutboxQueue, outboxQueue, type PendingMail } from './outbox-queue.ts';

/** What the dispatcher needs of a nodemailer transporter (tests may pass their own). */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<unknown>;
}

/** Structured logging, as pino provides it. Never given a mail's body: it holds codes and links. */
export interface MailLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Retry delays: `baseMs · 2^(attempts − 1)`, at most `maxMs`. */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface MailDispatcherOptions {
  readonly orm: Database;
  readonly transport: MailTransport;
  /** `MAIL_FROM`, e.g. `Gatehouse <no-reply@example.com>`. */
  readonly from: string;
  readonly logger?: MailLogger;
  /** Most mails one `drainOnce` sends; a full pass polls again at once. Default 100. */
  readonly batchSize?: number;
  /** Pause between polls when the outbox is empty. Default 1 s. */
  readonly pollMs?: number;
  /** Default 5 s doubling up to 15 min. */
  readonly backoff?: Backoff;
}

export interface MailDispatcher {
  /** Poll the outbox until `stop()`. Calling it again while running does nothing. */
  start(): void;
  /** Stop polling and wait for the mail being sent, if any. */
  stop(): Promise<void>;
  /** Send the due mails now (up to `batchSize`), stopping at the first failure; resolves to how many were sent. */
  drainOnce(): Promise<number>;
}

type Outcome = 'sent' | 'failed' | 'empty';

const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 15 * 60_000 };

/**
 * Send what the transactional outbox holds. Each mail is locked (`FOR UPDATE SKIP LOCKED`), sent
 * and marked sent in one short transaction, so any number of dispatchers (one per instance) can
 * share an outbox and none sends a mail another holds; a failed send stays queued with its
 * attempt count, error and next attempt time. Mails go out oldest first, and one recipient's
 * mails in the order they were queued.
 *
 * @example
 *   const dispatcher = createMailDispatcher({ orm, transport: createSmtpTransport(url), from });
 *   dispatcher.start();
 *   // on shutdown:
 *   await dispatcher.stop();
 */
export function createMailDispatcher(options: MailDispatcherOptions): MailDispatcher {
  const queue = outboxQueue(options.orm);
  const send = messageSender(options);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const batchSize = options.batchSize ?? 100;

  const deliverNext = (): Promise<Outcome> =>
    options.orm.em.fork().transactional(async (tx) => {
      const mail = await queue.lockNextDue(tx, new Date());
      if (!mail) return 'empty';
      try {
        await send(mail);
      } catch (error) {
        await recordFailure(queue, tx, mail, error, backoff, options.logger);
        return 'failed';
      }
      await queue.markSent(tx, mail.id, new Date());
      return 'sent';
    });

  const drainOnce = async (): Promise<number> => {
    let sent = 0;
    // A failure most often means SMTP is down: stop there rather than try every queued mail.
    while (sent < batchSize && (await deliverNext()) === 'sent') sent += 1;
    return sent;
  };

  const loop = pollLoop(drainOnce, {
    batchSize,
    pollMs: options.pollMs ?? 1_000,
    // The database is unreachable, most likely: the mail is safe in the outbox, try again later.
    onError: (error) => options.logger?.error({ err: error }, 'mail outbox unavailable'),
  });
  return { drainOnce, start: loop.start, stop: loop.stop };
}

/** A nodemailer transport for `SMTP_URL` (`smtp://` or `smtps://`, credentials in the URL). */
export function createSmtpTransport(smtpUrl: string): Transporter {
  // nodemailer waits up to 2 min for a connection by default; the dispatcher holds a row lock and
  // a database connection meanwhile, and an unreachable server is better retried later.
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}

/**
 * A service's dispatcher over SMTP at `SMTP_URL`, from `MAIL_FROM`, started: what each service
 * runs beside its pages. `close()` it (`stop()`) before closing the database.
 */
export function startSmtpDispatcher(
  config: { readonly SMTP_URL?: string; readonly MAIL_FROM: string },
  options: { readonly orm: Database; readonly logger: MailLogger; readonly pollMs?: number },
): MailDispatcher {
  if (!config.SMTP_URL) throw new Error('SMTP_URL must be resolved first');
  const dispatcher = createMailDispatcher({
    ...options,
    transport: createSmtpTransport(config.SMTP_URL),
    from: config.MAIL_FROM,
  });
  dispatcher.start();
  return dispatcher;
}

/** How much mail is waiting in one service's outbox. */
export interface OutboxStats {
  readonly pending: number;
  /** Whole seconds since the oldest unsent mail was queued; 0 when none is. */
  readonly oldestPendingAgeSeconds: number;
}

/**
 * How much mail is waiting, for metrics and the dev mailbox: a growing age means mail is stuck.
 */
export function outboxStats(orm: Database): Promise<OutboxStats> {
  return outboxQueue(orm).stats(new Date());
}

function messageSender(options: MailDispatcherOptions): (mail: PendingMail) => Promise<unknown> {
  const domain = senderDomain(options.from);
  return (mail) =>
    options.transport.sendMail({
      from: options.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      // Stable per outbox row: should a mail ever go out twice (a crash between SMTP's 250 and our
      // commit), receiving systems can recognise the duplicate.
      messageId: `<${mail.id}@${domain}>`,
    });
}

function senderDomain(from: string): string {
  const [sender] = addressparser(from, { flatten: true });
  const domain = sender?.address.split('@')[1];
  if (!domain) throw new TypeError(`MAIL_FROM must be one e-mail address, got ${JSON.stringify(from)}`);
  return domain;
}

async function recordFailure(
  queue: OutboxQueue,
  tx: EntityManager,
  mail: PendingMail,
  error: unknown,
  backoff: Backoff,
  logger: MailLogger | undefined,
): Promise<void> {
  const attempts = mail.attempts + 1;
  const delayMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempts - 1));
  const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
  await queue.markFailed(tx, mail.id, new Date(Date.now() + delayMs), reason);
  logger?.warn({ mailId: mail.id, attempts, retryInMs: delayMs, err: reason }, 'mail not sent, will retry');
}
