import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { formOf } from '../support/html-page.ts';
import {
  csrfOf,
  isAccountPage,
  query,
  type SignedInPerson,
  signUpAtIdp,
  signUpFields,
} from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  TEST_REDIRECT_URI,
  verificationCode,
} from '../support/oidc-client.ts';

const CSRF_REFUSED =
  'This form has expired or was sent from another site. Go back, reload the page and try again.';

/** A page holding the form under test, in the browser that opened it. */
interface OpenForm {
  readonly browser: BrowserlessClient;
  readonly page: Page;
  /** Part of the form's `action`, to find it on the page. */
  readonly action: string;
  /** What the person (or an attacker) fills in. */
  readonly fields: Record<string, string>;
}

describe('every IdP form refuses bad input and changes nothing', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  let someone: SignedInPerson;

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
    someone = await signUpAtIdp(idp);
  });
  afterAll(() => idp?.close());

  /** Everything the forms could change, read straight from the database. */
  async function everything() {
    const [outbox] = await query<{ n: string }>(idp, 'select count(*) as n from idp.outbox_mail');
    return {
      accounts: await query(idp, 'select * from idp.account order by id'),
      secrets: await query(idp, 'select * from idp.email_secret order by id'),
      provider: await query(idp, 'select * from idp.oidc_payload order by model, id'),
      cooldowns: await query(idp, 'select * from idp.mail_cooldown order by address_hash, purpose'),
      rateLimits: await query(idp, 'select * from idp.rate_limit order by key'),
      mails: Number(outbox!.n),
    };
  }

  /** A page in the middle of a sign-up started at /signup: the code page. */
  async function codePage(): Promise<{ browser: BrowserlessClient; page: Page; email: string }> {
    const person = newPerson();
    const browser = browserlessClient();
    const page = await browser.submit(
      await browser.get(`${idp.issuer}/signup`),
      signUpFields(person),
      '/signup',
    );
    expect(page.html).toContain('Verify your e-mail');
    return { browser, page, email: person.email };
  }

  /** A form of the account page of a new person, signed in. */
  async function onAccountPage(
    action: string,
    fields: (person: SignedInPerson['person']) => Record<string, string>,
  ): Promise<OpenForm> {
    const { browser, account, person } = await signUpAtIdp(idp);
    return { browser, page: account, action, fields: fields(person) };
  }

  const forms: Record<string, () => Promise<OpenForm>> = {
    'sign-in': async () => {
      const browser = browserlessClient();
      const page = await browser.get(`${idp.issuer}/account`);
      return {
        browser,
        page,
        action: '/login',
        fields: { email: someone.person.email, password: someone.person.password },
      };
    },
    'sign-up': async () => {
      const browser = browserlessClient();
      const page = await browser.get(`${idp.issuer}/signup`);
      return { browser, page, action: '/signup', fields: signUpFields(newPerson()) };
    },
    'verification code': async () => {
      const { browser, page, email } = await codePage();
      return { browser, page, action: '/verify', fields: { code: await verificationCode(idp.smtp, email) } };
    },
    'send a new code': async () => {
      const { browser, page } = await codePage();
      await query(idp, 'delete from idp.mail_cooldown');
      return { browser, page, action: '/resend', fields: {} };
    },
    consent: async () => {
      const { browser } = await signUpAtIdp(idp);
      browser.stopAt.push(TEST_REDIRECT_URI);
      const request = await authorizationRequest(await discoverAsApp(idp.issuer, app));
      const page = await browser.get(request.url.toString());
      expect(page.html).toContain('Allow Partner App to access your account?');
      return { browser, page, action: '/confirm', fields: {} };
    },
    profile: () =>
      onAccountPage('/account/profile', () => ({
        givenName: 'Mallory',
        familyName: 'Taken',
        birthdate: '1970-01-01',
        gender: 'other',
      })),
    password: () =>
      onAccountPage('/account/password', (person) => ({
        currentPassword: person.password,
        newPassword: 'attacker chosen passphrase 1',
      })),
    'remove access': async () => {
      const { browser } = await signUpAtIdp(idp);
      browser.stopAt.push(TEST_REDIRECT_URI);
      const request = await authorizationRequest(await discoverAsApp(idp.issuer, app));
      await browser.submit(await browser.get(request.url.toString()), {}, '/confirm');
      const page = await browser.get(`${idp.issuer}/account`);
      expect(page.html).toContain('Remove access');
      return { browser, page, action: '/account/apps/revoke', fields: { clientId: app.client_id } };
    },
    'sign out everywhere': () => onAccountPage('/account/sign-out-everywhere', () => ({})),
    'forgot password': async () => {
      await query(idp, 'delete from idp.mail_cooldown');
      const browser = browserlessClient();
      const page = await browser.get(`${idp.issuer}/forgot-password`);
      return { browser, page, action: '/forgot-password', fields: { email: someone.person.email } };
    },
    'reset password': async () => {
      const { person } = await signUpAtIdp(idp);
      const browser = browserlessClient();
      await query(idp, 'delete from idp.mail_cooldown');
      await browser.submit(
        await browser.get(`${idp.issuer}/forgot-password`),
        { email: person.email },
        '/forgot-password',
      );
      const mail = await idp.smtp.waitForMail(
        (m) => m.to === person.email && m.subject === 'Reset your password',
      );
      const page = await browser.get(mail.links.find((l) => l.includes('/reset-password?token='))!);
      return {
        browser,
        page,
        action: '/reset-password',
        fields: { newPassword: 'attacker chosen passphrase 1' },
      };
    },
  };

  for (const [name, open] of Object.entries(forms)) {
    it(`refuses the ${name} form with 403 when its _csrf is missing, wrong or not this browser's, and changes nothing`, async () => {
      const form = await open();
      const { action: target, hidden } = formOf(form.page, form.action);
      const token = csrfOf(form.page, form.action);
      const elsewhere = browserlessClient();
      const othersToken = csrfOf(await elsewhere.get(`${idp.issuer}/forgot-password`), '/forgot-password');
      const before = await everything();

      const attempts: [string, BrowserlessClient, Record<string, string>][] = [
        ['missing', form.browser, { ...hidden, ...form.fields }],
        ['empty', form.browser, { ...hidden, ...form.fields, _csrf: '' }],
        ['wrong', form.browser, { ...hidden, ...form.fields, _csrf: `${token.slice(0, -2)}xx` }],
        ["another browser's", form.browser, { ...hidden, ...form.fields, _csrf: othersToken }],
        // A cross-site post: the page's token, but not the browser holding its cookie.
        ['without its cookie', elsewhere, { ...hidden, ...form.fields, _csrf: token }],
      ];
      for (const [kind, browser, fields] of attempts) {
        const refused = await browser.post(target, kind === 'missing' ? withoutCsrf(fields) : fields);
        expect(refused.status, `${kind} _csrf`).toBe(403);
        expect(refused.html, `${kind} _csrf`).toContain(CSRF_REFUSED);
      }
      expect(await everything()).toEqual(before);

      // The same form with its own token is accepted: the refusals above were the token's doing.
      const accepted = await form.browser.submit(form.page, form.fields, form.action);
      expect(accepted.status).not.toBe(403);
      expect(await everything()).not.toEqual(before);
    });
  }

  it('refuses an oversized form with 413 and changes nothing', async () => {
    const { browser } = someone;
    const page = await browser.get(`${idp.issuer}/account`);
    const stranger = browserlessClient();
    const signIn = await stranger.get(`${idp.issuer}/account`);
    const before = await everything();
    const huge = await browser.submit(
      page,
      { givenName: 'A'.repeat(64 * 1024), familyName: 'Lovelace', birthdate: '1985-12-10' },
      '/account/profile',
    );
    expect(huge.status).toBe(413);
    expect(huge.html).toContain('The form is too large.');

    const login = await stranger.submit(
      signIn,
      { email: someone.person.email, password: 'x'.repeat(100_000) },
      '/login',
    );
    expect(login.status).toBe(413);
    expect(await everything()).toEqual(before);
    expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(true);
  });

  it('shows HTML typed into the name fields as text on the account page, never as markup', async () => {
    const givenName = '<script>alert("given")</script>';
    const familyName = '"><img src=x onerror=alert(1)>';
    const { account } = await signUpAtIdp(idp, { givenName, familyName });
    expect(isAccountPage(account)).toBe(true);
    expect(account.html).toContain('value="&lt;script&gt;alert(&quot;given&quot;)&lt;/script&gt;"');
    expect(account.html).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(account.html).not.toContain('<script>alert');
    expect(account.html).not.toContain('<img src=x');
  });

  it('shows an app name with HTML in it as text on the consent and account pages', async () => {
    const evil = await idp.registerClient({ name: '<b>Evil</b> & Co', redirectUris: [TEST_REDIRECT_URI] });
    const { browser } = await signUpAtIdp(idp);
    browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(await discoverAsApp(idp.issuer, evil));
    const consent = await browser.get(request.url.toString());
    expect(consent.html).toContain('Allow &lt;b&gt;Evil&lt;/b&gt; &amp; Co to access your account?');
    await browser.submit(consent, {}, '/confirm');
    const account = await browser.get(`${idp.issuer}/account`);
    expect(account.html).toContain('&lt;b&gt;Evil&lt;/b&gt; &amp; Co');
    expect(account.html).not.toContain('<b>Evil</b>');
  });

  it('sends the security headers on every page: no inline script, no framing, no Referer', async () => {
    const browser = browserlessClient();
    const pages = [
      await browser.get(`${idp.issuer}/account`),
      await browser.get(`${idp.issuer}/signup`),
      await browser.get(`${idp.issuer}/forgot-password`),
      await browser.get(`${idp.issuer}/reset-password?token=whatever`),
      await browser.get(`${idp.issuer}/interaction/no-such-interaction`),
      await browser.get(`${idp.issuer}/terms`),
      await someone.browser.get(`${idp.issuer}/account`),
    ];
    for (const page of pages) {
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp, page.url).toContain("script-src 'self'");
      expect(csp, page.url).not.toContain('unsafe-inline');
      expect(csp, page.url).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options'), page.url).toBe('DENY');
      expect(page.headers.get('referrer-policy'), page.url).toBe('no-referrer');
      expect(page.headers.get('x-content-type-options'), page.url).toBe('nosniff');
      expect(page.headers.get('cache-control'), page.url).toBe('no-store');
      expect(page.html, page.url).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });
});

function withoutCsrf(fields: Record<string, string>): Record<string, string> {
  const { _csrf: _, ...rest } = fields;
  return rest;
}
