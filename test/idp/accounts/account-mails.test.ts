import { describe, expect, it } from 'vitest';
import {
  alreadyRegisteredMail,
  passwordChangedMail,
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
    const { html } = passwordResetMail('ada@example.com', `<a href="x">Tom & Jerry's</a>`);
    expect(html).toContain('>&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;</a>');
  });

  it('keep the plain-text body as written and put the HTML one in a page', () => {
    const mail = verificationCodeMail('ada@example.com', '123456');
    expect(mail.text).toBe(
      'Your verification code is 123456.\n\n' +
        'Enter it on the page where you created your account. It expires in 15 minutes.\n\n' +
        'If you did not create an account, you can ignore this e-mail.\n',
    );
    expect(mail.html).toMatch(/^<!doctype html><html><body><p>Your verification code is 123456\.<\/p>/);
    expect(passwordChangedMail('ada@example.com').text).toContain('your other sessions were signed out');
  });
});
