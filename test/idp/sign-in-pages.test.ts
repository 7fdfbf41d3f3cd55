import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import { accountRow, csrfOf, isAccountPage, query, signUpFields } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  TEST_REDIRECT_URI,
  verificationCode,
} from '../support/oidc-client.ts';

const EXPIRED = 'This sign-in page has expired. Go back to the app and start signing in again.';
const WRONG_CODE = 'This code is not correct. Check the latest e-mail we sent you and try again.';
const TOO_MANY = 'Too many wrong codes. Ask for a new one.';

describe('the sign-in, sign-up and verification pages', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
  });
  afterAll(() => idp?.close());

  /** Sign up from /signup; returns the code page. */
  async function signUp(browser: BrowserlessClient, person = newPerson()): Promise<Page> {
    const page = await browser.submit(
      await browser.get(`${idp.issuer}/signup`),
      signUpFields(person),
      '/signup',
    );
    expect(page.html).toContain('<h1>Verify your e-mail</h1>');
    return page;
  }

  function codeMails(email: string) {
    return idp.smtp.messages.filter((m) => m.to === email && m.subject === 'Your verification code');
  }

  describe('login_hint', () => {
    it('pre-fills the e-mail on the sign-in and sign-up pages', async () => {
      const email = 'grace.hopper@example.com';
      const request = await authorizationRequest(await discoverAsApp(idp.issuer, app), { login_hint: email });
      const browser = browserlessClient();
      const signIn = await browser.get(request.url.toString());
      expect(signIn.html).toContain('to continue to <strong>Partner App</strong>');
      expect(signIn.html).toContain(`<input id="email" name="email" type="email" value="${email}"`);
      const signUpPage = await browser.get(linkTo(signIn, 'Sign up now'));
      expect(signUpPage.html).toContain(`<input id="email" name="email" type="email" value="${email}"`);
    });

    it('pre-fills markup in a login_hint as inert text', async () => {
      const hint = '"><script>alert(1)</script>';
      const request = await authorizationRequest(await discoverAsApp(idp.issuer, app), { login_hint: hint });
      const signIn = await browserlessClient().get(request.url.toString());
      expect(signIn.html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
      expect(signIn.html).not.toContain('<script>alert(1)');
    });
  });

  describe('an expired or unknown sign-in page', () => {
    it('shows "This sign-in page has expired" for an unknown interaction, not an error 500', async () => {
      const page = await browserlessClient().get(`${idp.issuer}/interaction/no-such-interaction`);
      expect(page.status).toBe(400);
      expect(page.html).toContain(EXPIRED);
      const signUpPage = await browserlessClient().get(
        `${idp.issuer}/interaction/no-such-interaction/signup`,
      );
      expect(signUpPage.status).toBe(400);
      expect(signUpPage.html).toContain(EXPIRED);
    });

    it('shows it for another interaction uid than the one this browser is in', async () => {
      const browser = browserlessClient();
      const signIn = await browser.get(`${idp.issuer}/account`);
      expect(signIn.url).toMatch(/\/interaction\//);
      const page = await browser.get(`${idp.issuer}/interaction/someone-elses-uid`);
      expect(page.status).toBe(400);
      expect(page.html).toContain(EXPIRED);
    });

    it('shows it, and signs nobody in, when the interaction has expired', async () => {
      const browser = browserlessClient();
      const signIn = await browser.get(`${idp.issuer}/account`);
      const uid = /\/interaction\/([^/?]+)/.exec(signIn.url)![1]!;
      await query(
        idp,
        `update idp.oidc_payload set expires_at = now() - interval '1 second' where model = 'Interaction' and id = ?`,
        [uid],
      );

      const again = await browser.get(signIn.url);
      expect(again.status).toBe(400);
      expect(again.html).toContain(EXPIRED);
      const person = newPerson();
      const posted = await browser.submit(
        signIn,
        { email: person.email, password: person.password },
        '/login',
      );
      expect(posted.status).toBe(400);
      expect(posted.html).toContain(EXPIRED);
      const _csrf = csrfOf(signIn, '/login');
      for (const step of ['signup', 'verify', 'resend']) {
        const refused = await browser.post(`${signIn.url}/${step}`, { ...signUpFields(person), _csrf });
        expect(refused.status, step).toBe(400);
        expect(refused.html, step).toContain(EXPIRED);
      }
      expect(await query(idp, 'select id from idp.account where email = ?', [person.email])).toEqual([]);
    });

    it('shows it when a finished sign-in form is sent again', async () => {
      const browser = browserlessClient();
      const person = newPerson();
      const code = await signUp(browser, person);
      const done = await browser.submit(
        code,
        { code: await verificationCode(idp.smtp, person.email) },
        '/verify',
      );
      expect(isAccountPage(done)).toBe(true);
      const replay = await browser.submit(code, { code: '000000' }, '/verify');
      expect(replay.status).toBe(400);
      expect(replay.html).toContain(EXPIRED);
    });
  });

  describe('signing in', () => {
    it('sends a person whose address is not verified to the code page first, then signs them in', async () => {
      const person = newPerson();
      await signUp(browserlessClient(), person);
      const code = await verificationCode(idp.smtp, person.email);

      const browser = browserlessClient();
      const signIn = await browser.get(`${idp.issuer}/account`);
      const verify = await browser.submit(
        signIn,
        { email: person.email, password: person.password },
        '/login',
      );
      expect(verify.status).toBe(200);
      expect(verify.html).toContain('Your e-mail address is not verified yet. Enter the code we sent you.');
      const done = await browser.submit(verify, { code }, '/verify');
      expect(isAccountPage(done)).toBe(true);
    });
  });

  describe('the e-mail verification code', () => {
    it('is killed by the 5th wrong code: even the right one is refused after that', async () => {
      const person = newPerson();
      const browser = browserlessClient();
      const page = await signUp(browser, person);
      const code = await verificationCode(idp.smtp, person.email);
      const wrong = code === '000000' ? '111111' : '000000';

      for (let i = 1; i <= 4; i++) {
        const refused = await browser.submit(page, { code: wrong }, '/verify');
        expect(refused.status).toBe(400);
        expect(refused.html).toContain(`<small id="code-error" class="error">${WRONG_CODE}</small>`);
      }
      const fifth = await browser.submit(page, { code: wrong }, '/verify');
      expect(fifth.html).toContain(TOO_MANY);
      const right = await browser.submit(page, { code }, '/verify');
      expect(right.status).toBe(400);
      expect(right.html).toContain(TOO_MANY);

      const account = await accountRow(idp, person.email);
      const [row] = await query<{ email_verified: boolean }>(
        idp,
        'select email_verified from idp.account where id = ?',
        [account.id],
      );
      expect(row!.email_verified).toBe(false);
      const [secret] = await query<{ attempts: number }>(
        idp,
        `select attempts from idp.email_secret where account_id = ? and purpose = 'verify-email'`,
        [account.id],
      );
      expect(secret!.attempts).toBe(5);
    });

    it('can be sent again only after the one-minute cooldown; the new code works and the old one does not', async () => {
      const person = newPerson();
      const browser = browserlessClient();
      const page = await signUp(browser, person);
      const first = await verificationCode(idp.smtp, person.email);

      const tooSoon = await browser.submit(page, {}, '/resend');
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.html).toMatch(/Please wait (60|59|58) seconds before asking for another code\./);
      expect(codeMails(person.email)).toHaveLength(1);

      await query(idp, `update idp.mail_cooldown set sent_at = now() - interval '61 seconds'`);
      const resent = await browser.submit(page, {}, '/resend');
      expect(resent.status).toBe(200);
      expect(resent.html).toContain('If this address is waiting for a code, a new one is on its way.');
      const mail = await idp.smtp.waitForMail(
        (m) => codeMails(person.email).length === 2 && m === codeMails(person.email)[1],
      );
      const second = /\b(\d{6})\b/.exec(mail.text)![1]!;

      if (second !== first) {
        const old = await browser.submit(resent, { code: first }, '/verify');
        expect(old.status).toBe(400);
        expect(old.html).toContain(WRONG_CODE);
      }
      const done = await browser.submit(resent, { code: second }, '/verify');
      expect(isAccountPage(done)).toBe(true);
    });

    it('answers a resend for an address with no pending code like any other, and mails nothing', async () => {
      const browser = browserlessClient();
      const page = await signUp(browser);
      await query(idp, `update idp.mail_cooldown set sent_at = now() - interval '61 seconds'`);
      const stranger = `nobody.${Date.now()}@example.com`;
      const answer = await browser.submit(page, { email: stranger }, '/resend');
      expect(answer.status).toBe(200);
      expect(answer.html).toContain('If this address is waiting for a code, a new one is on its way.');
      const again = await browser.submit(page, { email: stranger }, '/resend');
      expect(again.status).toBe(429);
      await new Promise((ok) => setTimeout(ok, 300));
      expect(idp.smtp.messages.filter((m) => m.to === stranger)).toEqual([]);
    });
  });
});
