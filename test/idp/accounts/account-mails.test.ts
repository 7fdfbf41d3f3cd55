import { describe, expect, it } from 'vitest';
import {
  alreadyRegisteredMail,
  escapeHtml,
  passwordResetMail,
  verificationCodeMail,
} from '../../../idp/accounts/account-mails.ts';

describe('the account mails', () => {
  it('put the link in both bodies and escape it in the HTML one', () => {
    const link = 'https://id.example.test/reset?token=a"b&c=<d>';
    const mail = passwordResetMail('ada@example.com', link);
    expect(mail.text).toContain(link);
    expect(mail.html).toContain('href="https://id.example.test/reset?token=a&quot;b&amp;c=&lt;d&gt;"');
    expect(mail.html).not.toContain('<d>');
  });

  it('keep user input out of subjects', () => {
    const to = 'x@example.com';
    expect(verificationCodeMail(to, '123456').subject).toBe('Your verification code');
    expect(alreadyRegisteredMail(to).subject).toBe(
      'Someone tried to create an account with your e-mail address',
    );
    expect(passwordResetMail(to, 'https://x.test/').subject).toBe('Reset your password');
  });

  it('escape the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    );
  });
});
