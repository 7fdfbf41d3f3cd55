import { beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import {
  accountRow,
  isAccountPage,
  query,
  signInAtIdp,
  signUpAtIdp,
  signUpFields,
} from '../support/idp-account.ts';
import { idpHostileClient } from '../support/idp-hostile-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson, verificationCode } from '../support/oidc-client.ts';

/**
 * Hostile input at the IdP's doors (OWASP ASVS 5.0 V1/V2/V15): bodies too large or malformed,
 * look-alike and invisible characters in e-mail addresses, and fields the forms do not offer.
 * Markup, header injection, sessions and response headers: idp-sessions-and-headers.test.ts.
 */
describe('hostile input and response headers at the IdP', () => {
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

  describe('bodies', () => {
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

  describe('e-mail addresses', () => {
    it('finds the same account whatever the case or width the address is typed in', async () => {
      const id = Date.now().toString(36);
      const person = newPerson({ email: `Grace.Hopper.${id}@Example.COM` });
      const stored = `grace.hopper.${id}@example.com`;
      const browser = browserlessClient();
      const verify = await browser.submit(
        await browser.get(`${idp.issuer}/signup`),
        signUpFields(person),
        '/signup',
      );
      expect(verify.html).toContain(`<strong>${stored}</strong>`);
      const code = await verificationCode(idp.smtp, stored);
      expect(isAccountPage(await browser.submit(verify, { code }, '/verify'))).toBe(true);
      for (const typed of [
        stored,
        stored.toUpperCase(),
        ` ${stored} `,
        `ｇｒａｃｅ.hopper.${id}＠example.com`,
      ]) {
        const page = await signInAtIdp(idp, { email: typed, password: person.password });
        expect(isAccountPage(page), typed).toBe(true);
      }
      // Signing up again in other capitals is the same address: no second account.
      const again = browserlessClient();
      await again.submit(
        await again.get(`${idp.issuer}/signup`),
        signUpFields({ ...person, email: stored.toUpperCase(), password: 'another passphrase 77' }),
        '/signup',
      );
      const rows = await query(idp, 'select id from idp.account where lower(email) = ?', [stored]);
      expect(rows).toHaveLength(1);
    });

    it('treats a homoglyph domain (Cyrillic а in exаmple.com) as another address that never matches the real one', async () => {
      const id = Date.now().toString(36);
      const latin = `lin.${id}@example.com`;
      const cyrillic = `lin.${id}@ex\u0430mple.com`;
      const owner = await signUpAtIdp(idp, newPerson({ email: latin }));
      const mailsToOwner = () => idp.smtp.messages.filter((m) => m.to === latin).length;
      const known = mailsToOwner();

      const impostor = browserlessClient();
      const signUp = await impostor.submit(
        await impostor.get(`${idp.issuer}/signup`),
        signUpFields(newPerson({ email: cyrillic, password: 'impostor passphrase 12' })),
        '/signup',
      );
      expect(signUp.html).toContain('<h1>Verify your e-mail</h1>');
      const rows = await query<{ email: string; email_verified: boolean }>(
        idp,
        'select email, email_verified from idp.account where email in (?, ?) order by email',
        [latin, cyrillic],
      );
      expect(rows).toEqual([
        { email: latin, email_verified: true },
        { email: cyrillic, email_verified: false },
      ]);
      const queued = await query<{ to: string }>(
        idp,
        `select "to" from idp.outbox_mail where "to" in (?, ?)`,
        [latin, cyrillic],
      );
      expect(queued.filter((m) => m.to === cyrillic).length).toBe(1);

      for (const [email, password] of [
        [cyrillic, owner.person.password],
        [latin, 'impostor passphrase 12'],
      ] as const) {
        const refused = await signInAtIdp(idp, { email, password });
        expect(refused.status, email).toBe(401);
      }
      expect(mailsToOwner()).toBe(known);
    });

    it.each([
      ['NUL', 'nul\u0000@example.com'],
      ['CR LF and a Bcc header', 'crlf@example.com\r\nBcc: spy@evil.example'],
      ['a tab', 'tab\t@example.com'],
      ['a zero-width space', 'zero\u200bwidth@example.com'],
      ['a right-to-left override', 'rtl\u202emoc.elpmaxe@example.com'],
      ['a soft hyphen', 'soft\u00adhyphen@example.com'],
    ])('refuses an address with %s at sign-up and never signs it in', async (_name, email) => {
      const before = await everything();
      const browser = browserlessClient();
      const refused = await browser.submit(
        await browser.get(`${idp.issuer}/signup`),
        signUpFields(newPerson({ email })),
        '/signup',
      );
      expect(refused.status).toBe(400);
      expect(refused.html).toMatch(
        /<small id="email-error" class="error">Enter an e-mail address (without|like)/,
      );
      expect(await everything()).toEqual(before);
      const signIn = await signInAtIdp(idp, { email, password: 'whatever passphrase 1' });
      expect(signIn.status).toBe(401);
    });

    it('never lets NUL or a control character in an address reach an existing account', async () => {
      const { person } = await signUpAtIdp(idp);
      const [local, domain] = person.email.split('@');
      for (const typed of [`${person.email}\u0000`, `${local}\u0000@${domain}`, `${person.email}\u200b`]) {
        const refused = await signInAtIdp(idp, { email: typed, password: person.password });
        expect(refused.status, JSON.stringify(typed)).toBe(401);
      }
    });
  });

  describe('fields the forms do not offer (mass assignment)', () => {
    it('ignores e-mail, verification, id and password fields added to the profile and sign-up forms', async () => {
      const { browser, account, person } = await signUpAtIdp(idp);
      const before = await accountRow(idp, person.email);
      const extra = {
        email: 'attacker@evil.example',
        emailVerified: 'false',
        email_verified: 'false',
        id: '00000000-0000-4000-8000-000000000000',
        passwordHash: 'x',
        password_hash: 'x',
        sessionsValidAfter: '2000-01-01',
      };
      const saved = await browser.submit(
        account,
        { givenName: 'Ada', familyName: 'Byron', birthdate: '1985-12-10', gender: '', ...extra },
        '/account/profile',
      );
      expect(isAccountPage(saved)).toBe(true);
      const after = await accountRow(idp, person.email);
      expect(after).toMatchObject({
        id: before.id,
        family_name: 'Byron',
        password_hash: before.password_hash,
        sessions_valid_after: before.sessions_valid_after,
      });
      expect(await query(idp, 'select id from idp.account where email = ?', [extra.email])).toEqual([]);

      // At sign-up, an "already verified" field does not skip the code.
      const newcomer = newPerson();
      const signUp = browserlessClient();
      const page = await signUp.submit(
        await signUp.get(`${idp.issuer}/signup`),
        { ...signUpFields(newcomer), emailVerified: 'true', email_verified: 'true', id: extra.id },
        '/signup',
      );
      expect(page.html).toContain('<h1>Verify your e-mail</h1>');
      expect(
        await query(idp, 'select id, email_verified from idp.account where email = ?', [newcomer.email]),
      ).toEqual([{ id: expect.not.stringMatching(extra.id), email_verified: false }]);
    });
  });
});
