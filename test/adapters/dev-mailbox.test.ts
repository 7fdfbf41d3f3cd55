import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevMailbox, startDevMailbox } from '../../adapters/mail/dev-mailbox.ts';
import { createSmtpTransport } from '../../adapters/mail/dispatcher.ts';

describe('the dev mailbox', () => {
  let mailbox: DevMailbox;

  beforeAll(async () => {
    mailbox = await startDevMailbox({
      outboxStats: async () => [{ pending: 2, oldestPendingAgeSeconds: 30 }],
    });
    const transport = createSmtpTransport(mailbox.smtpUrl);
    await transport.sendMail({
      from: 'Gatehouse <no-reply@gatehouse.test>',
      to: 'ada@example.com',
      subject: 'Verify <your> e-mail',
      text: 'Open https://idp.example.com/verify?code=1&next=%2F. Then <script>alert(1)</script>',
      html: '<p>Open <a href="https://idp.example.com/verify">this</a><script>alert(1)</script></p>',
    });
    await transport.sendMail({
      from: 'no-reply@gatehouse.test',
      to: 'bob@example.com',
      subject: 'Second mail',
      text: 'Hello Bob',
    });
  });
  afterAll(() => mailbox?.stop());

  it('listens on loopback only', () => {
    expect(mailbox.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    expect(mailbox.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('lists received mail newest first with sender, recipient, subject and date', async () => {
    const page = await (await fetch(mailbox.webUrl)).text();
    expect(page.indexOf('Second mail')).toBeLessThan(page.indexOf('Verify &lt;your&gt; e-mail'));
    expect(page).toContain('Gatehouse &lt;no-reply@gatehouse.test&gt;');
    expect(page).toContain('ada@example.com');
    expect(page).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
    expect(page).toContain('2 mail(s) still waiting to be sent, the oldest for 30 s.');
  });

  it('makes the links of the text body clickable and escapes everything else', async () => {
    const response = await fetch(mailbox.webUrl);
    const page = await response.text();
    expect(page).toContain(
      '<a href="https://idp.example.com/verify?code=1&amp;next=%2F" rel="noreferrer">' +
        'https://idp.example.com/verify?code=1&amp;next=%2F</a>. Then &lt;script&gt;alert(1)&lt;/script&gt;',
    );
    // The HTML body is never rendered: no script from a mail, and the CSP would block one anyway.
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<a href="https://idp.example.com/verify">');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('serves the same messages as JSON, newest first', async () => {
    const response = await fetch(new URL('messages.json', mailbox.webUrl));
    const messages = (await response.json()) as { subject: string; text: string }[];
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({ subject: 'Second mail', to: ['bob@example.com'] });
    expect(messages[1]).toMatchObject({
      subject: 'Verify <your> e-mail',
      from: { name: 'Gatehouse', address: 'no-reply@gatehouse.test' },
      to: ['ada@example.com'],
    });
    expect(messages[1]?.text).toContain('https://idp.example.com/verify?code=1&next=%2F');
  });
});
