import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserlessClient } from '../support/browserless-client.ts';
import { signUpAtIdp } from '../support/idp-account.ts';
import { idpHostileClient } from '../support/idp-hostile-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';

/**
 * Hostile bodies at the IdP's doors (OWASP ASVS 5.0 V1/V2/V15): too large, malformed, repeated,
 * nested, prototype-polluting or not a form at all, at the form routes and the OAuth endpoints.
 * Each gets a clean 4xx (an OAuth error where OAuth answers), never a 500, and changes nothing.
 */
describe('hostile bodies at the IdP get a clean refusal and change nothing', () => {
  const hostile = idpHostileClient();
  const { everything, realFetch, sentCookie, signInPage } = hostile;
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  beforeAll(() => {
    ({ idp, app } = hostile);
  });

  /** Post `body` as it is (not a well-formed form), with the cookies `browser` holds. */
  async function rawPost(browser: BrowserlessClient, url: string, body: string, contentType: string) {
    await browser.get(`${new URL(url).origin}/healthz`);
    const res = await realFetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      headers: {
        cookie: sentCookie.get(new URL(url).origin) ?? '',
        'content-type': contentType,
        accept: 'text/html',
      },
    });
    return { status: res.status, text: await res.text() };
  }

  it('refuses a 40 kB form with 413 on every form route, changing nothing', async () => {
    const { browser, prefix } = await signInPage();
    const signedIn = await signUpAtIdp(idp);
    const before = await everything();
    const huge = `_csrf=x&email=${'a'.repeat(40 * 1024)}`;
    const targets: [BrowserlessClient, string][] = [
      [browser, `${prefix}/login`],
      [browser, `${prefix}/signup`],
      [browser, `${prefix}/verify`],
      [browser, `${prefix}/resend`],
      [browser, `${idp.issuer}/forgot-password`],
      [browser, `${idp.issuer}/reset-password`],
      [signedIn.browser, `${idp.issuer}/account/profile`],
      [signedIn.browser, `${idp.issuer}/account/password`],
    ];
    for (const [who, url] of targets) {
      const refused = await rawPost(who, url, huge, 'application/x-www-form-urlencoded');
      expect(refused.status, url).toBe(413);
      expect(refused.text, url).toContain('The form is too large.');
    }
    expect(await everything()).toEqual(before);
  });

  it('answers malformed, repeated, nested and prototype-polluting form fields with a clean 4xx', async () => {
    const { browser, prefix, csrf } = await signInPage();
    const someone = await signUpAtIdp(idp);
    const before = await everything();
    const email = encodeURIComponent(someone.person.email);
    const bodies = [
      `_csrf=${csrf}&email=%E0%A4%A&password=%`,
      `_csrf=${csrf}&email=%00&password=%00`,
      `_csrf=${csrf}&email[]=${email}&email[]=x&password[]=a`,
      `_csrf=${csrf}&email[a][b][c][d][e][f][g][h][i][j]=x&password=y`,
      `_csrf=${csrf}&email[999999999]=x&password=y`,
      `_csrf=${csrf}&__proto__[polluted]=yes&constructor[prototype][polluted]=yes&email=a&password=b`,
      `_csrf=${csrf}&${'a[]=1&'.repeat(2000)}email=a&password=b`,
      `_csrf=${csrf}&email=${email}&email=${email}&password=${'%FF'.repeat(50)}`,
      `_csrf[]=${csrf}&email=${email}`,
      '&&&===&&',
    ];
    for (const body of bodies) {
      const answer = await rawPost(browser, `${prefix}/login`, body, 'application/x-www-form-urlencoded');
      expect([400, 401, 403], body.slice(0, 80)).toContain(answer.status);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await everything()).toEqual(before);
  });

  it('refuses JSON, deep JSON and other bodies on the form routes with 403, never parsing them', async () => {
    const { browser, prefix, csrf } = await signInPage();
    const before = await everything();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`.slice(0, 30_000);
    const bodies: [string, string][] = [
      [JSON.stringify({ _csrf: csrf, email: 'a@example.com', password: 'x' }), 'application/json'],
      [`{"_csrf":"${csrf}","email":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, 'application/json'],
      [deep, 'application/json'],
      ['{"_csrf": ', 'application/json'],
      [`_csrf=${csrf}&email=a`, 'text/plain'],
      [
        `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--x--`,
        'multipart/form-data; boundary=x',
      ],
    ];
    for (const [body, type] of bodies) {
      const answer = await rawPost(browser, `${prefix}/login`, body, type);
      expect(answer.status, `${type}: ${body.slice(0, 40)}`).toBe(403);
    }
    expect(await everything()).toEqual(before);
  });

  it('answers hostile bodies at the token endpoint with an OAuth error, never a 500', async () => {
    const basic = `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`;
    const bodies: [string, string][] = [
      ['grant_type=authorization_code&code=%E0%A4%A&code_verifier=%', 'application/x-www-form-urlencoded'],
      ['grant_type[]=authorization_code&grant_type[]=refresh_token', 'application/x-www-form-urlencoded'],
      [`grant_type=authorization_code&code[a][b][c][d][e][f]=x`, 'application/x-www-form-urlencoded'],
      ['grant_type=refresh_token&refresh_token=%00', 'application/x-www-form-urlencoded'],
      ['grant_type=authorization_code&code=%00&code_verifier=x', 'application/x-www-form-urlencoded'],
      [
        `grant_type=refresh_token&refresh_token=a%00b&client_id=${'%00'.repeat(3)}`,
        'application/x-www-form-urlencoded',
      ],
      [
        `grant_type=authorization_code&code=${'x'.repeat(2 * 1024 * 1024)}`,
        'application/x-www-form-urlencoded',
      ],
      [JSON.stringify({ grant_type: 'authorization_code', code: 'x' }), 'application/json'],
      [`${'['.repeat(50_000)}${']'.repeat(50_000)}`, 'application/json'],
      ['{"grant_type":', 'application/json'],
      ['\u0000\u0001\u0002', 'application/x-www-form-urlencoded'],
    ];
    for (const [body, type] of bodies) {
      for (const authorization of [basic, undefined]) {
        const res = await realFetch(`${idp.issuer}/token`, {
          method: 'POST',
          body,
          headers: { 'content-type': type, ...(authorization ? { authorization } : {}) },
        });
        const label = `${type} ${authorization ? 'with' : 'without'} client auth: ${body.slice(0, 50)}`;
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
        const text = await res.text();
        if (res.status !== 413) expect(JSON.parse(text).error, label).toMatch(/^invalid_/);
      }
    }
  });
  it('answers NUL in ids and tokens at the authorization, introspection and revocation endpoints without a 500', async () => {
    const basic = `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
    const answers = [
      await realFetch(`${idp.issuer}/auth?client_id=%00&response_type=code&scope=openid`),
      await realFetch(`${idp.issuer}/auth?client_id=${app.client_id}%00&response_type=code&scope=openid`),
      await realFetch(`${idp.issuer}/interaction/%00`),
      await realFetch(`${idp.issuer}/token/introspection`, {
        method: 'POST',
        headers: form,
        body: 'token=%00',
      }),
      await realFetch(`${idp.issuer}/token/revocation`, {
        method: 'POST',
        headers: form,
        body: 'token=a%00',
      }),
    ];
    for (const res of answers) {
      expect(res.status, res.url).toBeLessThan(500);
      await res.arrayBuffer();
    }
  });
});
