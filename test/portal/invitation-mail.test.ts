import { describe, expect, it } from 'vitest';
import { invitationMail } from '../../portal/invitations/invitation-mail.ts';

const MARKUP = `<a href="x">Tom & Jerry's</a>`;

describe('the invitation e-mail', () => {
  const mail = invitationMail({
    to: 'grace@example.com',
    givenName: MARKUP,
    organizationName: `Northwind\r\nBcc: spy@evil.example`,
    productName: 'CustomerSource',
    link: 'https://portal.example.test/invitations/accept?token=a.b&x="y"',
    expiresAt: new Date('2030-01-02T03:04:05Z'),
  });

  it('keeps line breaks of the organization name out of the subject', () => {
    expect(mail.subject).toBe('Your invitation to CustomerSource for Northwind Bcc: spy@evil.example');
  });

  it('says hello, gives the link and its last day in the text body, as typed', () => {
    expect(mail.text).toContain(`Hello ${MARKUP},`);
    expect(mail.text).toContain('\nhttps://portal.example.test/invitations/accept?token=a.b&x="y"\n');
    expect(mail.text).toContain('The link works once and until 2030-01-02.');
  });

  it('escapes every value in the HTML body', () => {
    expect(mail.html).toContain('<p>Hello &lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;,</p>');
    expect(mail.html).toContain(
      '<a href="https://portal.example.test/invitations/accept?token=a.b&amp;x=&quot;y&quot;">Accept the invitation</a>',
    );
    expect(mail.html).not.toContain(MARKUP);
  });
});
