import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../idp/accounts/account-mails.ts';
import { SESSION_IDLE_SECONDS } from '../../idp/provider/configuration.ts';
import { browserlessClient, type Page } from '../support/browserless-client.ts';
import { documentOf } from '../support/html-page.ts';
import {
  accountRow,
  csrfOf,
  isAccountPage,
  query,
  signUpAtIdp,
  signUpFields,
} from '../support/idp-account.ts';
import { idpHostileClient } from '../support/idp-hostile-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  TEST_REDIRECT_URI,
  verificationCode,
} from '../support/oidc-client.ts';
import { parsedSetCookies } from '../support/set-cookie.ts';

const SCRIPT = '"><script>alert(1)</script>';
const IMG = "'><img src=x onerror=alert(1)>";
const MAIL_SUBJECTS = [
  'Your verification code',
  'Someone tried to create an account with your e-mail address',
  'Reset your password',
  'Your password was changed',
];

/**
 * What the IdP sends back and keeps (OWASP ASVS 5.0 V1/V3/V7): markup typed into every field shown
 * as text, nothing typed reaching a mail header; sessions renewed at sign-in and ended server-side;
 * and the response headers and cookies that keep the pages from being framed, scripted or leaked.
 * Bodies, e-mail addresses and mass assignment: idp-hostile-input.test.ts.
 */
describe('hostile input and response headers at the IdP', () => {
  const hostile = idpHostileClient();
  const { everything, realFetch, sentCookie, setCookies, signInPage } = hostile;
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  beforeAll(() => {
    ({ idp, app } = hostile);
  });

  describe('markup and header injection', () => {
    const inert = (page: Page) => {
      expect(page.html).not.toMatch(/<script/i);
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

  describe('sessions', () => {
    const sessionRow = async (id: string | undefined) =>
      (
        await query<{ account_id: string }>(
          idp,
          `select payload->>'accountId' as account_id from idp.oidc_payload where model = 'Session' and id = ?`,
          [id ?? ''],
        )
      )[0];

    const credentials = (p: { email: string; password: string }) => ({
      email: p.email,
      password: p.password,
    });

    it('gives a new session id on every sign-in, so a planted or earlier one never holds the new account', async () => {
      const browser = browserlessClient();
      const signIn = await browser.get(`${idp.issuer}/account`);
      const anonymous = browser.cookie(idp.issuer, '_session');
      const first = await signUpAtIdp(idp);
      const second = await signUpAtIdp(idp);
      expect(isAccountPage(await browser.submit(signIn, credentials(first.person), '/login'))).toBe(true);
      const firstId = browser.cookie(idp.issuer, '_session');
      expect(firstId).toBeDefined();
      expect(firstId).not.toBe(anonymous);

      // The same browser signs in as someone else (prompt=login): not in the first one's session.
      const again = await browser.get(
        `${idp.issuer}/auth?client_id=gatehouse-account&response_type=none&scope=openid&prompt=login` +
          `&redirect_uri=${encodeURIComponent(`${idp.issuer}/account`)}`,
      );
      let switched = await browser.submit(again, credentials(second.person), '/login');
      // oidc-provider first ends the first person's session with a page that submits itself: its
      // one inline script must be allowed by hash in the CSP, or a browser would stay on it.
      expect(switched.html).toContain('<title>Submitting Callback</title>');
      const script = documentOf(switched.html).querySelector('script:not([src])')!.rawText;
      const hash = createHash('sha256').update(script).digest('base64');
      expect(switched.headers.get('content-security-policy')).toContain(`'sha256-${hash}'`);
      expect(switched.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      switched = await browser.submit(switched, {});
      expect(isAccountPage(switched)).toBe(true);
      expect(switched.html).toContain(second.person.email);
      const secondId = browser.cookie(idp.issuer, '_session');
      expect(secondId).not.toBe(firstId);
      expect((await sessionRow(firstId))?.account_id).not.toBe(
        (await accountRow(idp, second.person.email)).id,
      );
    });

    it('honours the session lifetime: a session past it opens nothing', async () => {
      const { browser } = await signUpAtIdp(idp);
      const id = browser.cookie(idp.issuer, '_session');
      const [row] = await query<{ ttl: number }>(
        idp,
        `select extract(epoch from expires_at - now())::int as ttl from idp.oidc_payload where model = 'Session' and id = ?`,
        [id],
      );
      // Idle window first (test/security/idp-session-lifetimes.test.ts covers the absolute cap).
      expect(row!.ttl).toBeGreaterThan(SESSION_IDLE_SECONDS - 60);
      expect(row!.ttl).toBeLessThanOrEqual(SESSION_IDLE_SECONDS);
      await query(
        idp,
        `update idp.oidc_payload set expires_at = now() - interval '1 second' where model = 'Session' and id = ?`,
        [id],
      );
      expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(false);
    });

    it('ends the session server-side at sign-out: the old cookie opens nothing', async () => {
      const { browser } = await signUpAtIdp(idp);
      await browser.get(`${idp.issuer}/healthz`);
      const stolen = sentCookie.get(new URL(idp.issuer).origin)!;
      const id = browser.cookie(idp.issuer, '_session');
      expect(await sessionRow(id)).toBeDefined();
      const signOut = await browser.get(`${idp.issuer}/session/end?client_id=gatehouse-account`);
      await browser.submit(signOut, { logout: 'yes' }, '/session/end/confirm');
      expect(await sessionRow(id)).toBeUndefined();
      const replayed = await realFetch(`${idp.issuer}/account`, {
        headers: { cookie: stolen, accept: 'text/html' },
        redirect: 'manual',
      });
      expect(replayed.status).toBe(302);
      expect(replayed.headers.get('location')).toContain('/auth?');
    });
  });

  describe('response headers and cookies', () => {
    /** Every page of the IdP a person or an attacker can reach, including its error pages. */
    async function everyPage(): Promise<Page[]> {
      const pages: Page[] = [];
      const stranger = browserlessClient();
      const signIn = await stranger.get(`${idp.issuer}/account`);
      pages.push(signIn, await stranger.get(`${idp.issuer}/signup`));
      const person = newPerson();
      const verify = await stranger.submit(pages[1]!, signUpFields(person), '/signup');
      pages.push(verify);
      const account = await stranger.submit(
        verify,
        { code: await verificationCode(idp.smtp, person.email) },
        '/verify',
      );
      pages.push(account);
      stranger.stopAt.push(TEST_REDIRECT_URI);
      const consent = await stranger.get(
        (await authorizationRequest(await discoverAsApp(idp.issuer, app))).url.toString(),
      );
      expect(consent.html).toContain('Allow Partner App');
      pages.push(consent);
      const signOut = await stranger.get(`${idp.issuer}/session/end?client_id=gatehouse-account`);
      expect(signOut.html).toContain('<h1>Sign out</h1>');
      pages.push(signOut, await stranger.submit(signOut, { logout: 'yes' }, '/session/end/confirm'));
      const other = browserlessClient();
      const forgot = await other.get(`${idp.issuer}/forgot-password`);
      pages.push(
        forgot,
        await other.submit(forgot, { email: person.email }, '/forgot-password'),
        await other.get(`${idp.issuer}/reset-password?token=whatever`),
        await other.post(`${idp.issuer}/reset-password`, {
          _csrf: csrfOf(forgot, '/forgot-password'),
          token: 'x',
        }),
        await other.get(`${idp.issuer}/terms`),
        await other.get(`${idp.issuer}/privacy`),
        await other.get(`${idp.issuer}/signed-out`),
        await other.get(`${idp.issuer}/no-such-page`),
        await other.get(`${idp.issuer}/interaction/no-such-interaction`),
        await other.post(`${idp.issuer}/forgot-password`, { email: 'no-csrf@example.com' }),
        await other.get(`${idp.issuer}/auth?client_id=no-such-app&response_type=code&scope=openid`),
        await other.get(`${idp.issuer}/account/profile`),
      );
      return pages;
    }

    it('sends CSP without inline script, denies framing and the Referer on every page, and renders no inline script', async () => {
      for (const page of await everyPage()) {
        const label = `${page.status} ${page.url}`;
        const csp = page.headers.get('content-security-policy') ?? '';
        const directives = new Map(
          csp.split(';').map((d) => {
            const [name = '', ...values] = d.trim().split(/\s+/);
            return [name, values] as const;
          }),
        );
        expect(directives.get('script-src'), label).toEqual(["'self'"]);
        expect(directives.get('default-src'), label).toEqual(["'self'"]);
        expect(directives.get('frame-ancestors'), label).toEqual(["'none'"]);
        expect(directives.get('object-src'), label).toEqual(["'none'"]);
        expect(directives.get('base-uri'), label).toEqual(["'none'"]);
        expect(page.headers.get('x-frame-options'), label).toBe('DENY');
        expect(page.headers.get('referrer-policy'), label).toBe('no-referrer');
        expect(page.headers.get('x-content-type-options'), label).toBe('nosniff');
        if (page.headers.get('content-type')?.startsWith('text/html'))
          expect(page.headers.get('cache-control'), label).toBe('no-store');
        expect(page.html, label).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
        expect(page.html, label).not.toMatch(/\son[a-z]+\s*=/i);
        expect(page.html, label).not.toMatch(/(href|action|src)\s*=\s*"javascript:/i);
      }
    });

    it('sets every cookie HttpOnly and SameSite', async () => {
      setCookies.length = 0;
      await everyPage();
      expect(setCookies.length).toBeGreaterThan(5);
      for (const cookie of parsedSetCookies(setCookies)) {
        expect(cookie.httpOnly, cookie.toString()).toBe(true);
        expect(['lax', 'strict'], cookie.toString()).toContain(cookie.sameSite);
      }
    });

    it('behind TLS sets every cookie Secure, the CSRF cookie __Host-, and sends HSTS', async () => {
      const tls = await startTestIdp({ IDP_ISSUER: 'https://idp.example.test', TRUST_PROXY: 'true' });
      try {
        const viaProxy = {
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'idp.example.test',
          accept: 'text/html',
        };
        const lines: string[] = [];
        for (const path of [
          '/forgot-password',
          '/auth?client_id=gatehouse-account&response_type=none&scope=openid&redirect_uri=https%3A%2F%2Fidp.example.test%2Faccount',
        ]) {
          const res = await realFetch(`${tls.issuer}${path}`, { headers: viaProxy, redirect: 'manual' });
          expect(res.headers.get('strict-transport-security'), path).toMatch(/max-age=\d{7,}/);
          lines.push(...res.headers.getSetCookie());
          await res.arrayBuffer();
        }
        const cookies = parsedSetCookies(lines);
        expect(cookies.some((cookie) => cookie.key === '__Host-csrf')).toBe(true);
        expect(cookies.some((cookie) => cookie.key === '_interaction')).toBe(true);
        for (const cookie of cookies) {
          const line = cookie.toString();
          expect(cookie.secure, line).toBe(true);
          expect(cookie.httpOnly, line).toBe(true);
          if (cookie.key.startsWith('__Host-')) {
            expect(cookie.path, line).toBe('/');
            expect(cookie.domain, `${line} is host-only`).toBeNull();
          }
        }
      } finally {
        await tls.close();
      }
    });
  });
});
