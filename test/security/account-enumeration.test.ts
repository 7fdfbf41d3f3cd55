import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp } from '../../idp/accounts/accounts.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { documentOf } from '../support/html-page.ts';
import { csrfOf, query } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { type NewPerson, newPerson } from '../support/oidc-client.ts';
import { interleavedTimings } from '../support/timing.ts';

const ATTEMPTS = 5;

/**
 * ASVS 2.2.1 / OWASP Authentication Cheat Sheet: an attacker who types an address into any form
 * (sign-in, sign-up, forgot password, send a new code) cannot tell whether it has an account,
 * neither from the answer (status and page) nor from the time it takes.
 */
describe('account enumeration through the IdP forms', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp();
  });
  // The mail cooldown is per address, registered or not; each test starts without one.
  beforeEach(async () => {
    await query(idp, 'delete from idp.mail_cooldown');
  });
  afterAll(() => idp?.close());

  /** Accounts made through the service functions: faster than the pages, same rows. */
  async function registered(count: number, options: { verified: boolean }): Promise<NewPerson[]> {
    const people = Array.from({ length: count }, () => newPerson());
    for (const person of people) {
      await signUp(idp.running.orm.em.fork(), { ...person, gender: '', acceptTerms: true });
      if (options.verified)
        await query(idp, 'update idp.account set email_verified = true where email = ?', [person.email]);
    }
    await query(idp, 'delete from idp.mail_cooldown');
    return people;
  }

  const unregistered = (count: number) => Array.from({ length: count }, () => newPerson().email);

  /** A sign-in page of one interaction, and the URL prefix its forms post to. */
  async function signInPage(): Promise<{ browser: BrowserlessClient; page: Page; prefix: string }> {
    const browser = browserlessClient();
    const page = await browser.get(`${idp.issuer}/account`);
    expect(page.url).toMatch(/\/interaction\/[^/]+$/);
    return { browser, page, prefix: page.url };
  }

  /** Post a form of the interaction with its CSRF token, as the page would. */
  async function postInInteraction(path: string, fields: Record<string, string>): Promise<Page> {
    const { browser, page, prefix } = await signInPage();
    return browser.post(`${prefix}/${path}`, { _csrf: csrfOf(page, '/login'), ...fields });
  }

  async function submitForgotPassword(email: string): Promise<Page> {
    const browser = browserlessClient();
    const form = await browser.get(`${idp.issuer}/forgot-password`);
    return browser.submit(form, { email }, '/forgot-password');
  }

  /**
   * The page with the address typed in replaced, its interaction id and CSRF tokens (new for every
   * page) left out, so two answers can be compared as a whole.
   */
  const comparableAnswer = (page: Page, email: string) => {
    const document = documentOf(page.html);
    for (const token of document.querySelectorAll('input[name="_csrf"]')) token.removeAttribute('value');
    return {
      status: page.status,
      html: document
        .toString()
        .replaceAll(email, 'EMAIL')
        .replace(/\/interaction\/[\w-]+/g, '/interaction/UID'),
    };
  };

  /**
   * Time `attempt` for a registered and an unregistered address, interleaved so load on the
   * machine hits both alike; the medians must be within 2× of each other. A shortcut for unknown
   * addresses (no password hash, no database write) is 10× or more.
   */
  async function expectSimilarTiming(
    known: readonly string[],
    unknown: readonly string[],
    attempt: (email: string) => Promise<unknown>,
  ): Promise<void> {
    const timings = await interleavedTimings(
      known.length,
      (i) => attempt(known[i]!),
      (i) => attempt(unknown[i]!),
    );
    const { first: knownMs, second: unknownMs, ratio } = timings;
    expect(
      ratio,
      `registered ${knownMs.map(Math.round)} ms, unregistered ${unknownMs.map(Math.round)} ms`,
    ).toBeGreaterThan(0.5);
    expect(
      ratio,
      `registered ${knownMs.map(Math.round)} ms, unregistered ${unknownMs.map(Math.round)} ms`,
    ).toBeLessThan(2);
  }

  describe('sign-in', () => {
    it('answers a wrong password, an unverified account and an unknown address with the same 401 page', async () => {
      const [verified] = await registered(1, { verified: true });
      const [unverified] = await registered(1, { verified: false });
      const [nobody] = unregistered(1);
      const { browser, page } = await signInPage();
      const tryIt = (email: string) =>
        browser.submit(page, { email, password: 'not the password 1' }, '/login');

      const known = comparableAnswer(await tryIt(verified!.email), verified!.email);
      const pending = comparableAnswer(await tryIt(unverified!.email), unverified!.email);
      const unknown = comparableAnswer(await tryIt(nobody!), nobody!);
      expect(known.status).toBe(401);
      expect(known.html).toContain('The e-mail or password is incorrect.');
      expect(pending).toEqual(known);
      expect(unknown).toEqual(known);
    });

    it('locks an unknown address after as many failures as a registered one, with the same 429 page', async () => {
      const [person] = await registered(1, { verified: true });
      const [nobody] = unregistered(1);
      const answers: Record<string, ReturnType<typeof comparableAnswer>[]> = {};
      for (const email of [person!.email, nobody!]) {
        const { browser, page } = await signInPage();
        answers[email] = [];
        for (let i = 0; i <= 5; i++) {
          const refused = await browser.submit(page, { email, password: `wrong guess ${i}` }, '/login');
          answers[email].push(comparableAnswer(refused, email));
        }
      }
      const statuses = answers[person!.email]!.map((a) => a.status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      expect(answers[person!.email]![5]!.html).toContain('Too many attempts. Try again in 15 minutes.');
      expect(answers[nobody!]).toEqual(answers[person!.email]);
    });

    it('takes as long for an unknown address as for a wrong password', async () => {
      const known = (await registered(ATTEMPTS, { verified: true })).map((p) => p.email);
      const { browser, page } = await signInPage();
      const tryIt = (email: string) =>
        browser.submit(page, { email, password: 'not the password 2' }, '/login');
      await tryIt(unregistered(1)[0]!);
      await expectSimilarTiming(known, unregistered(ATTEMPTS), tryIt);
    });
  });

  describe('sign-up', () => {
    const fields = (email: string) => ({
      givenName: 'Eve',
      familyName: 'Prober',
      email,
      password: 'a probing passphrase 7',
      birthdate: '1990-01-01',
      gender: '',
      acceptTerms: 'yes',
    });

    it('answers an address that has an account with the same "enter your code" page as a new one', async () => {
      const [person] = await registered(1, { verified: true });
      const [fresh] = unregistered(1);
      const known = comparableAnswer(await postInInteraction('signup', fields(person!.email)), person!.email);
      const unknown = comparableAnswer(await postInInteraction('signup', fields(fresh!)), fresh!);
      expect(known.status).toBe(200);
      expect(known.html).toContain('<h1>Verify your e-mail</h1>');
      expect(unknown).toEqual(known);
      // Only the mail differs, and only the owner of the mailbox reads it.
      await idp.smtp.waitForMail((m) => m.to === person!.email && m.subject.startsWith('Someone tried'));
      const [rows] = await query<{ n: string }>(
        idp,
        'select count(*) as n from idp.account where email = ?',
        [person!.email],
      );
      expect(Number(rows!.n)).toBe(1);
    });

    it('takes as long for an address that has an account as for a new one', async () => {
      const [person] = await registered(1, { verified: true });
      const { browser, page, prefix } = await signInPage();
      const token = csrfOf(page, '/login');
      const tryIt = (email: string) => browser.post(`${prefix}/signup`, { _csrf: token, ...fields(email) });
      await tryIt(unregistered(1)[0]!);
      await expectSimilarTiming(Array(ATTEMPTS).fill(person!.email), unregistered(ATTEMPTS), tryIt);
    });
  });

  describe('forgot password', () => {
    it('answers a registered and an unregistered address with the same page', async () => {
      const [person] = await registered(1, { verified: true });
      const [nobody] = unregistered(1);
      const known = comparableAnswer(await submitForgotPassword(person!.email), person!.email);
      const unknown = comparableAnswer(await submitForgotPassword(nobody!), nobody!);
      expect(known.status).toBe(200);
      expect(known.html).toContain('<h1>Check your e-mail</h1>');
      expect(unknown).toEqual(known);
    });

    it('answers a second request within the minute the same way, registered or not', async () => {
      const [person] = await registered(1, { verified: true });
      const [nobody] = unregistered(1);
      await submitForgotPassword(person!.email);
      await submitForgotPassword(nobody!);
      const known = comparableAnswer(await submitForgotPassword(person!.email), person!.email);
      const unknown = comparableAnswer(await submitForgotPassword(nobody!), nobody!);
      expect(known.status).toBe(200);
      expect(unknown).toEqual(known);
    });

    it('takes as long for an unregistered address as for a registered one', async () => {
      const known = (await registered(ATTEMPTS, { verified: true })).map((p) => p.email);
      const browser = browserlessClient();
      const form = await browser.get(`${idp.issuer}/forgot-password`);
      const csrf = csrfOf(form, '/forgot-password');
      const tryIt = (email: string) => browser.post(`${idp.issuer}/forgot-password`, { _csrf: csrf, email });
      await tryIt(unregistered(1)[0]!);
      await expectSimilarTiming(known, unregistered(ATTEMPTS), tryIt);
    });
  });

  describe('send a new code', () => {
    it('answers an unverified, a verified and an unknown address with the same page', async () => {
      const [pending] = await registered(1, { verified: false });
      const [verified] = await registered(1, { verified: true });
      const [nobody] = unregistered(1);
      const resend = async (email: string) =>
        comparableAnswer(await postInInteraction('resend', { email }), email);
      const waiting = await resend(pending!.email);
      expect(waiting.status).toBe(200);
      expect(waiting.html).toContain('If this address is waiting for a code, a new one is on its way.');
      expect(await resend(verified!.email)).toEqual(waiting);
      expect(await resend(nobody!)).toEqual(waiting);
      // A second ask within the minute: the same cooldown for all three.
      const again = await resend(pending!.email);
      expect(again.status).toBe(429);
      expect(await resend(verified!.email)).toEqual(again);
      expect(await resend(nobody!)).toEqual(again);
    });

    it('takes as long for an unknown address as for one waiting for its code', async () => {
      const known = (await registered(ATTEMPTS, { verified: false })).map((p) => p.email);
      const { browser, page, prefix } = await signInPage();
      const token = csrfOf(page, '/login');
      const tryIt = (email: string) => browser.post(`${prefix}/resend`, { _csrf: token, email });
      await tryIt(unregistered(1)[0]!);
      await expectSimilarTiming(known, unregistered(ATTEMPTS), tryIt);
    });
  });
});
