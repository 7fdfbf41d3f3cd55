import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient, type Page } from '../support/browserless-client.ts';
import { escapeHtml } from '../support/html.ts';
import {
  accountRow,
  csrfOf,
  isAccountPage,
  query,
  signUpAtIdp,
  signUpFields,
} from '../support/idp-account.ts';
import { idpHostileClient } from '../support/idp-hostile-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';

const SCRIPT = '"><script>alert(1)</script>';
const IMG = "'><img src=x onerror=alert(1)>";
const MAIL_SUBJECTS = [
  'Your verification code',
  'Someone tried to create an account with your e-mail address',
  'Reset your password',
  'Your password was changed',
];

/**
 * What the IdP sends back (OWASP ASVS 5.0 V1/V3): markup typed into every field shown as text, and
 * nothing typed reaching a mail header. Sessions: idp-sessions-are-new-at-sign-in-and-end-server-side;
 * response headers and cookies: idp-pages-allow-no-inline-script-framing-or-script-readable-cookies.
 */
describe('markup typed at the IdP is shown as text and never reaches a mail header', () => {
  const hostile = idpHostileClient();
  const { everything, signInPage } = hostile;
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = hostile);
  });

  const inert = (page: Page) => {
    // The layout's own scripts (served from /assets, no inline code) are the only script elements.
    const scripts = page.html.match(/<script\b[^>]*>/gi) ?? [];
    expect(scripts.filter((tag) => !/^<script src="[^"<>]*\/assets\/[\w.-]+\.js" defer>$/.test(tag))).toEqual(
      [],
    );
    expect(page.html).not.toMatch(/<img/i);
  };

  it('shows markup typed into every sign-up field as text when the form comes back', async () => {
    const browser = browserlessClient();
    const fields = {
      givenName: SCRIPT,
      familyName: IMG,
      email: `${SCRIPT}@example.com`,
      password: SCRIPT,
      birthdate: IMG,
      gender: SCRIPT,
      acceptTerms: SCRIPT,
    };
    const before = await everything();
    const page = await browser.submit(await browser.get(`${idp.issuer}/signup`), fields, '/signup');
    expect(page.status).toBe(400);
    inert(page);
    expect(page.html).toContain(`value="${escapeHtml(SCRIPT)}"`);
    expect(page.html).toContain(`value="${escapeHtml(IMG)}"`);
    expect(await everything()).toEqual(before);
  });

  it('shows markup typed into the sign-in, code, forgot-password and reset pages as text', async () => {
    const { browser, prefix, csrf } = await signInPage();
    // The interaction's token is bound to it; the pages outside it carry their own.
    const outside = csrfOf(await browser.get(`${idp.issuer}/forgot-password`), '/forgot-password');
    const pages = [
      await browser.post(`${prefix}/login`, { _csrf: csrf, email: SCRIPT, password: IMG }),
      await browser.post(`${prefix}/verify`, { _csrf: csrf, email: SCRIPT, code: IMG }),
      await browser.post(`${prefix}/resend`, { _csrf: csrf, email: SCRIPT }),
      await browser.post(`${idp.issuer}/forgot-password`, { _csrf: outside, email: SCRIPT }),
      await browser.post(`${idp.issuer}/forgot-password`, {
        _csrf: outside,
        email: "o'brien&co@example.com",
      }),
      await browser.get(`${idp.issuer}/reset-password?token=${encodeURIComponent(SCRIPT)}`),
      await browser.post(`${idp.issuer}/reset-password`, {
        _csrf: outside,
        token: SCRIPT,
        newPassword: IMG,
      }),
    ];
    for (const page of pages) {
      expect(page.status, page.url).toBeLessThan(500);
      inert(page);
    }
    expect(pages[0]!.html).toContain(`value="${escapeHtml(SCRIPT)}"`);
    expect(pages[4]!.html).toContain('o&#39;brien&amp;co@example.com');
    expect(pages[5]!.html).toContain(`name="token" value="${escapeHtml(SCRIPT)}"`);
  });

  it('shows markup saved in the profile as text on the account page, and in a refused profile form', async () => {
    const { browser, account, person } = await signUpAtIdp(idp);
    const saved = await browser.submit(
      account,
      { givenName: SCRIPT, familyName: IMG, birthdate: '1985-12-10', gender: '' },
      '/account/profile',
    );
    expect(isAccountPage(saved)).toBe(true);
    inert(saved);
    expect(saved.html).toContain(`value="${escapeHtml(SCRIPT)}"`);
    expect(saved.html).toContain(`value="${escapeHtml(IMG)}"`);
    const row = await accountRow(idp, person.email);
    const refused = await browser.submit(
      saved,
      { givenName: IMG, familyName: SCRIPT, birthdate: SCRIPT, gender: IMG },
      '/account/profile',
    );
    expect(refused.status).toBe(400);
    inert(refused);
    expect((await accountRow(idp, person.email)).updated_at).toEqual(row.updated_at);
  });

  it('refuses CR/LF in names and addresses, so nothing typed reaches a mail header', async () => {
    const before = await everything();
    for (const overrides of [
      { givenName: 'Ada\r\nBcc: spy@evil.example' },
      { familyName: 'Lovelace\nSubject: You won' },
      { email: 'ada@example.com\r\nBcc: spy@evil.example' },
    ]) {
      const browser = browserlessClient();
      const refused = await browser.submit(
        await browser.get(`${idp.issuer}/signup`),
        signUpFields(newPerson(overrides)),
        '/signup',
      );
      expect(refused.status).toBe(400);
    }
    expect(await everything()).toEqual(before);

    const { browser, account, person } = await signUpAtIdp(idp);
    const refused = await browser.submit(
      account,
      { givenName: 'Ada\r\nBcc: spy@evil.example', familyName: 'Lovelace', birthdate: '1985-12-10' },
      '/account/profile',
    );
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Use letters, spaces and punctuation only.');
    expect((await accountRow(idp, person.email)).given_name).toBe(person.givenName);

    // Every mail the IdP ever sent carries one of its fixed subjects, to one plain address.
    const outbox = await query<{ to: string; subject: string }>(
      idp,
      'select "to", subject from idp.outbox_mail',
    );
    for (const mail of outbox) {
      expect(MAIL_SUBJECTS).toContain(mail.subject);
      expect(mail.to).not.toMatch(/[\r\n,;]/);
    }
    expect(idp.smtp.messages.filter((m) => m.to.includes('evil.example'))).toEqual([]);
  });
});
