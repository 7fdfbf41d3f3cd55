import { setTimeout as sleep } from 'node:timers/promises';
import type { SendMailOptions } from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../adapters/db/database.ts';
import { isAppError } from '../../adapters/http/errors.ts';
import {
  createMailDispatcher,
  createSmtpTransport,
  type MailDispatcherOptions,
  type MailTransport,
  outboxStats,
} from '../../adapters/mail/dispatcher.ts';
import { enqueueMail, type MailContent } from '../../adapters/mail/outbox.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createTestDatabase } from '../support/database.ts';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp-capture.ts';

const FROM = 'Gatehouse <no-reply@gatehouse.test>';

interface OutboxRow {
  to: string;
  attempts: number;
  next_attempt_ms: number;
  sent: boolean;
  last_error: string | null;
}

function mailTo(to: string, subject = `Hello ${to}`): MailContent {
  return { to, subject, text: `Hi ${to}`, html: `<p>Hi ${to}</p>` };
}

describe('the mail outbox', () => {
  let orm: Database;
  let smtp: SmtpCapture;

  beforeAll(async () => {
    orm = await openDatabase(idpSchema, { url: await createTestDatabase() });
    smtp = await startSmtpCapture();
  });
  afterAll(async () => {
    await orm?.close(true);
    await smtp?.stop();
  });
  beforeEach(async () => {
    await orm.em.getConnection().execute('delete from idp.outbox_mail', [], 'run');
    smtp.messages.splice(0);
    smtp.setAvailable(true);
  });

  function dispatcher(options: Partial<MailDispatcherOptions> = {}) {
    return createMailDispatcher({ orm, transport: createSmtpTransport(smtp.url), from: FROM, ...options });
  }

  async function queue(...mails: MailContent[]): Promise<void> {
    await orm.em.fork().transactional(async (tx) => {
      for (const mail of mails) enqueueMail(tx, mail);
    });
  }

  function rows(): Promise<OutboxRow[]> {
    const sql = `select "to", attempts, last_error, sent_at is not null as sent,
        (extract(epoch from next_attempt_at) * 1000)::float8 as next_attempt_ms
      from idp.outbox_mail order by created_at, id`;
    return orm.em.getConnection().execute(sql, [], 'all');
  }

  it('delivers a committed mail once, from MAIL_FROM, with its subject and both bodies', async () => {
    const mail = {
      to: 'ada@example.com',
      subject: 'Verify your e-mail',
      text: 'Your code is 123456.\nVisit https://idp.example.com/verify?a=1&b=2',
      html: '<p>Your code is <b>123456</b>.</p>',
    };
    await queue(mail);

    const outbox = dispatcher();
    expect(await outbox.drainOnce()).toBe(1);
    expect(await outbox.drainOnce()).toBe(0);

    expect(smtp.messages).toHaveLength(1);
    const received = await smtp.waitForMail((m) => m.to === 'ada@example.com');
    expect(received).toMatchObject({ from: 'no-reply@gatehouse.test', subject: mail.subject });
    expect(received.text).toBe(mail.text);
    expect(received.html).toBe(mail.html);
    expect(received.links).toEqual(['https://idp.example.com/verify?a=1&b=2']);
    const [row] = await rows();
    expect(row?.sent).toBe(true);
    expect(row?.attempts).toBe(0);
  });

  it('sends nothing for a rolled-back transaction', async () => {
    const change = orm.em.fork().transactional(async (tx) => {
      enqueueMail(tx, mailTo('rolled-back@example.com'));
      await tx.flush();
      throw new Error('the change that caused the mail failed');
    });
    await expect(change).rejects.toThrow('the change that caused the mail failed');

    expect(await dispatcher().drainOnce()).toBe(0);
    expect(await rows()).toEqual([]);
    expect(smtp.messages).toEqual([]);
  });

  it('polls the outbox once started, until stopped', async () => {
    const outbox = dispatcher({ pollMs: 20 });
    outbox.start();
    try {
      await queue(mailTo('polled@example.com'));
      await smtp.waitForMail((m) => m.to === 'polled@example.com');
    } finally {
      await outbox.stop();
    }
    await queue(mailTo('after-stop@example.com'));
    await sleep(100);
    expect(smtp.messages.map((m) => m.to)).toEqual(['polled@example.com']);
  });

  it('keeps mail queued while SMTP is down and delivers it once, in creation order, when it returns', async () => {
    const outbox = dispatcher({ backoff: { baseMs: 400, maxMs: 400 } });
    await queue(mailTo('first@example.com'));
    await queue(mailTo('second@example.com'));
    await queue(mailTo('third@example.com'));
    smtp.setAvailable(false);

    // Each pass stops at its first failure: three passes try each mail once.
    for (let pass = 0; pass < 3; pass += 1) expect(await outbox.drainOnce()).toBe(0);
    const failed = await rows();
    expect(failed.map((r) => [r.to, r.attempts, r.sent])).toEqual([
      ['first@example.com', 1, false],
      ['second@example.com', 1, false],
      ['third@example.com', 1, false],
    ]);
    for (const row of failed) {
      expect(row.last_error).toMatch(/421/);
      expect(row.next_attempt_ms).toBeGreaterThan(Date.now());
    }

    smtp.setAvailable(true);
    expect(await outbox.drainOnce()).toBe(0); // still backing off
    await sleep(450);
    expect(await outbox.drainOnce()).toBe(3);
    expect(await outbox.drainOnce()).toBe(0);
    expect(smtp.messages.map((m) => m.to)).toEqual([
      'first@example.com',
      'second@example.com',
      'third@example.com',
    ]);
    expect((await rows()).every((r) => r.sent && r.attempts === 1)).toBe(true);
  });

  it('gives each mail a UUIDv7 of its creation instant, so mails queued in a row sort in that order', async () => {
    const recipients = Array.from({ length: 50 }, (_, i) => `in-a-row-${i}@example.com`);
    await queue(...recipients.map((to) => mailTo(to)));
    const stored = await orm.em.getConnection().execute<{ id: string; to: string; created_ms: number }[]>(
      `select id, "to", (extract(epoch from created_at) * 1000)::float8 as created_ms
         from idp.outbox_mail order by created_at, id`,
      [],
      'all',
    );
    expect(stored.map((r) => r.to)).toEqual(recipients);
    for (const row of stored) {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.parseInt(row.id.replaceAll('-', '').slice(0, 12), 16)).toBe(row.created_ms);
    }
  });

  it('waits longer after each failed attempt, up to the cap', async () => {
    let failedAt = 0;
    const transport: MailTransport = {
      sendMail: async () => {
        failedAt = Date.now();
        throw new Error('421 Service not available');
      },
    };
    const outbox = dispatcher({ transport, backoff: { baseMs: 1_000, maxMs: 2_500 } });
    await queue(mailTo('retry@example.com'));

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await outbox.drainOnce()).toBe(0);
      const [row] = await rows();
      expect(row?.attempts).toBe(attempt);
      delays.push(row!.next_attempt_ms - failedAt);
      // Make it due again now rather than wait out the delay.
      await orm.em
        .getConnection()
        .execute("update idp.outbox_mail set next_attempt_at = now() - interval '1 second'", [], 'run');
    }
    expect(delays.map((ms) => Math.round(ms / 100) * 100)).toEqual([1_000, 2_000, 2_500]);
  });

  it("keeps one recipient's mails in order while an older one is retried, without holding up others", async () => {
    let refuseOnce = true;
    const smtpTransport = createSmtpTransport(smtp.url);
    const transport: MailTransport = {
      sendMail: (mail: SendMailOptions) => {
        if (mail.subject === 'code 1' && refuseOnce) {
          refuseOnce = false;
          return Promise.reject(new Error('550 mailbox busy'));
        }
        return smtpTransport.sendMail(mail);
      },
    };
    const outbox = dispatcher({ transport, backoff: { baseMs: 300, maxMs: 300 } });
    await queue(mailTo('ada@example.com', 'code 1'));
    await queue(mailTo('bob@example.com', 'welcome'));
    await queue(mailTo('ada@example.com', 'code 2'));

    expect(await outbox.drainOnce()).toBe(0); // code 1 refused
    expect(await outbox.drainOnce()).toBe(1); // bob's mail; code 2 waits for code 1
    expect(await outbox.drainOnce()).toBe(0);
    await sleep(350);
    expect(await outbox.drainOnce()).toBe(2);
    expect(smtp.messages.map((m) => m.subject)).toEqual(['welcome', 'code 1', 'code 2']);
  });

  it('delivers each mail exactly once when two dispatchers drain the same outbox at once', async () => {
    const other = await openDatabase(idpSchema, { url: orm.config.get('clientUrl')! });
    try {
      const recipients = Array.from({ length: 30 }, (_, i) => `user${i}@example.com`);
      await queue(...recipients.map((to) => mailTo(to)));
      const first = dispatcher({ batchSize: 5 });
      const second = createMailDispatcher({
        orm: other,
        transport: createSmtpTransport(smtp.url),
        from: FROM,
        batchSize: 5,
      });

      let sent = 0;
      while (sent < recipients.length) {
        const [a, b] = await Promise.all([first.drainOnce(), second.drainOnce()]);
        expect(a + b).toBeGreaterThan(0);
        sent += a + b;
      }
      expect(sent).toBe(recipients.length);
      expect(smtp.messages.map((m) => m.to).sort()).toEqual([...recipients].sort());
      expect(await first.drainOnce()).toBe(0);
    } finally {
      await other.close(true);
    }
  });

  it('keeps a mail locked while it is being sent, so another dispatcher skips it', async () => {
    let release = () => {};
    let sending = () => {};
    const started = new Promise<void>((resolve) => {
      sending = resolve;
    });
    const smtpTransport = createSmtpTransport(smtp.url);
    const slow: MailTransport = {
      sendMail: async (mail: SendMailOptions) => {
        sending();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return smtpTransport.sendMail(mail);
      },
    };
    await queue(mailTo('slow@example.com'));

    const first = dispatcher({ transport: slow }).drainOnce();
    await started;
    expect(await dispatcher().drainOnce()).toBe(0);
    release();
    expect(await first).toBe(1);
    expect(smtp.messages.map((m) => m.to)).toEqual(['slow@example.com']);
  });

  it('refuses a recipient or subject that would inject headers, and queues nothing', async () => {
    const em = orm.em.fork();
    const attempts = [
      mailTo('ada@example.com\r\nBcc: eve@example.com'),
      mailTo('ada@example.com\nBcc: eve@example.com'),
      mailTo('ada@example.com, eve@example.com'),
      mailTo('not an address'),
      mailTo('ada@example.com', 'Hello\r\nBcc: eve@example.com'),
      mailTo('ada@example.com', 'Hello\u2028there'),
    ];
    for (const mail of attempts) {
      let refused: unknown;
      try {
        enqueueMail(em, mail);
      } catch (error) {
        refused = error;
      }
      expect(isAppError(refused, 'INVALID_MAIL_HEADER'), JSON.stringify(mail)).toBe(true);
    }
    await em.flush();
    expect(await rows()).toEqual([]);
  });

  it('reports how much mail is pending and for how long', async () => {
    expect(await outboxStats(orm)).toEqual({ pending: 0, oldestPendingAgeSeconds: 0 });
    await queue(mailTo('one@example.com'), mailTo('two@example.com'));
    await orm.em
      .getConnection()
      .execute(
        `update idp.outbox_mail set created_at = now() - interval '90 seconds' where "to" = 'one@example.com'`,
        [],
        'run',
      );
    const stats = await outboxStats(orm);
    expect(stats.pending).toBe(2);
    expect(stats.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(89);
    expect(stats.oldestPendingAgeSeconds).toBeLessThan(120);

    await dispatcher().drainOnce();
    expect(await outboxStats(orm)).toEqual({ pending: 0, oldestPendingAgeSeconds: 0 });
  });
});
