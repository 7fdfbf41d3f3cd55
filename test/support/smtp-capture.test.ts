import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpTransport } from '../../adapters/mail/dispatcher.ts';
import { type SmtpCapture, startSmtpCapture } from './smtp-capture.ts';

describe('the SMTP capture tests share', () => {
  let smtp: SmtpCapture;
  const send = (to: string, subject: string, text = 'Hello', html?: string) =>
    createSmtpTransport(smtp.url).sendMail({
      from: 'Gatehouse <no-reply@gatehouse.test>',
      to,
      subject,
      text,
      html,
    });

  beforeAll(async () => {
    smtp = await startSmtpCapture();
  });
  afterAll(() => smtp?.stop());
  beforeEach(() => {
    smtp.messages.splice(0);
    smtp.setAvailable(true);
  });

  it('captures a mail with bare addresses and every link of both bodies', async () => {
    await send(
      'ada@example.com',
      'Welcome',
      'Sign in at https://portal.example.com/claim?t=abc&o=1. Or https://portal.example.com/help, thanks',
      '<a href="https://portal.example.com/claim?t=abc&amp;o=1">claim</a> <a href="https://other.example.com/x">x</a> <a href="mailto:a@b.c">m</a>',
    );
    expect(smtp.messages).toEqual([
      expect.objectContaining({
        to: 'ada@example.com',
        from: 'no-reply@gatehouse.test',
        subject: 'Welcome',
        links: [
          'https://portal.example.com/claim?t=abc&o=1',
          'https://portal.example.com/help',
          'https://other.example.com/x',
        ],
      }),
    ]);
  });

  it('waits for a mail still to come, and finds one already received', async () => {
    const later = smtp.waitForMail((m) => m.subject === 'later');
    await send('bob@example.com', 'earlier');
    await send('bob@example.com', 'later');
    expect((await later).subject).toBe('later');
    expect((await smtp.waitForMail((m) => m.subject === 'earlier')).to).toBe('bob@example.com');
  });

  it('says what it received when no mail matches in time', async () => {
    await send('carol@example.com', 'Something else');
    await expect(smtp.waitForMail((m) => m.subject === 'never', 100)).rejects.toThrow(
      'No matching mail within 100 ms; received: carol@example.com "Something else"',
    );
  });

  it('answers 421 while unavailable, and accepts mail again afterwards', async () => {
    smtp.setAvailable(false);
    await expect(send('dave@example.com', 'down')).rejects.toMatchObject({ responseCode: 421 });
    expect(smtp.messages).toEqual([]);
    smtp.setAvailable(true);
    await send('dave@example.com', 'up');
    expect(smtp.messages.map((m) => m.subject)).toEqual(['up']);
  });
});
