import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient, type Page } from '../support/browserless-client.ts';
import { csrfOf, signUpFields } from '../support/idp-account.ts';
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

/**
 * The response headers and cookies of every IdP page a person or an attacker can reach (OWASP ASVS
 * 5.0 V3): a CSP without inline script, no framing, no Referer, no caching of pages; every cookie
 * HttpOnly and SameSite, and behind TLS Secure (the CSRF cookie __Host-) with HSTS.
 */
describe('IdP pages allow no inline script, no framing and no cookie a script could read', () => {
  const hostile = idpHostileClient();
  const { realFetch, setCookies } = hostile;
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  beforeAll(() => {
    ({ idp, app } = hostile);
  });

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
