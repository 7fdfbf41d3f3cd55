import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../idp/accounts/account-mails.ts';
import { SESSION_IDLE_SECONDS } from '../../idp/provider/configuration.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import {
  accountRow,
  csrfOf,
  isAccountPage,
  query,
  signInAtIdp,
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

const SCRIPT = '"><script>alert(1)</script>';
const IMG = "'><img src=x onerror=alert(1)>";
const MAIL_SUBJECTS = [
  'Your verification code',
  'Someone tried to create an account with your e-mail address',
  'Reset your password',
  'Your password was changed',
];

/**
 * Hostile input at the IdP's doors (OWASP ASVS 5.0 V1/V2/V3): bodies too large or malformed,
 * look-alike and invisible characters in e-mail addresses, markup in every field, header
 * injection; and the response headers and cookies that keep the pages from being framed, scripted
 * or leaked.
 */
describe('hostile input and response headers at the IdP', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  const setCookies: string[] = [];
  const sentCookie = new Map<string, string>();
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
    // Watch what the browserless client sends and receives: its cookies, and every Set-Cookie.
    globalThis.fetch = async (input, init) => {
      const cookie = (init?.headers as Record<string, string> | undefined)?.cookie;
      if (cookie) sentCookie.set(new URL(String(input)).origin, cookie);
      const res = await realFetch(input, init);
      setCookies.push(...res.headers.getSetCookie());
      return res;
    };
  });
  beforeEach(async () => {
    await query(idp, 'delete from idp.mail_cooldown');
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await idp?.close();
  });

  /** Everything a form could change. */
  async function everything() {
    return {
      accounts: await query(idp, 'select * from idp.account order by id'),
      secrets: await query(idp, 'select id, consumed_at, expires_at from idp.email_secret order by id'),
      sessions: await query(
        idp,
        `select id from idp.oidc_payload where model in ('Session', 'Grant') order by id`,
      ),
      mails: await query(idp, 'select id from idp.outbox_mail order by id'),
    };
  }

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

  /** A fresh sign-in page: its browser, the URL its forms post under, its CSRF token. */
  async function signInPage() {
    const browser = browserlessClient();
    const page = await browser.get(`${idp.issuer}/account`);
    return { browser, page, prefix: page.url, csrf: csrfOf(page, '/login') };
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
      const pages = [
        await browser.post(`${prefix}/login`, { _csrf: csrf, email: SCRIPT, password: IMG }),
        await browser.post(`${prefix}/verify`, { _csrf: csrf, email: SCRIPT, code: IMG }),
        await browser.post(`${prefix}/resend`, { _csrf: csrf, email: SCRIPT }),
        await browser.post(`${idp.issuer}/forgot-password`, { _csrf: csrf, email: SCRIPT }),
        await browser.post(`${idp.issuer}/forgot-password`, { _csrf: csrf, email: "o'brien&co@example.com" }),
        await browser.get(`${idp.issuer}/reset-password?token=${encodeURIComponent(SCRIPT)}`),
        await browser.post(`${idp.issuer}/reset-password`, { _csrf: csrf, token: SCRIPT, newPassword: IMG }),
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
      const script = /<script>([\s\S]*?)<\/script>/.exec(switched.html)![1]!;
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
      for (const line of setCookies) {
        expect(line, line).toMatch(/;\s*httponly/i);
        expect(line, line).toMatch(/;\s*samesite=(lax|strict)/i);
      }
    });

    it('behind TLS sets every cookie Secure, the CSRF cookie __Host-, and sends HSTS', async () => {
      const tls = await startTestIdp({ IDP_ISSUER: 'https://idp.example.test', TRUST_PROXY: 'true' });
      try {
        const viaProxy = { 'x-forwarded-proto': 'https', accept: 'text/html' };
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
        expect(lines.some((l) => l.startsWith('__Host-csrf='))).toBe(true);
        expect(lines.some((l) => l.startsWith('_interaction='))).toBe(true);
        for (const line of lines) {
          expect(line, line).toMatch(/;\s*secure/i);
          expect(line, line).toMatch(/;\s*httponly/i);
          if (line.startsWith('__Host-')) {
            expect(line, line).toMatch(/;\s*path=\/(;|$)/i);
            expect(line, line).not.toMatch(/;\s*domain=/i);
          }
        }
      } finally {
        await tls.close();
      }
    });
  });
});
