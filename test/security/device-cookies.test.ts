import type { Cookie } from 'tough-cookie';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp } from '../../idp/accounts/accounts.ts';
import { deviceCookieName } from '../../idp/interactions/device-cookie.ts';
import { DEFAULT_RATE_LIMIT_RULES } from '../../idp/rate-limits/rate-limit-rules.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { isAccountPage, query, sessionCount, signUpAtIdp } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { type NewPerson, newPerson } from '../support/oidc-client.ts';
import { parsedSetCookies } from '../support/set-cookie.ts';

// Ten attackers, each using up the 5 failures an address gets from one client: 50, the cap on the
// address from anywhere (DEFAULT_RATE_LIMIT_RULES, the production limits, used as they are).
const ATTACKERS = Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 1}`);
const PER_ATTACKER = DEFAULT_RATE_LIMIT_RULES.signInByAccountAndIp.points;
const DEVICE_BUDGET = DEFAULT_RATE_LIMIT_RULES.signInByDevice.points;
const OWNER = '203.0.113.10';
const NEWCOMER = '203.0.113.20';

/**
 * OWASP "Slow down online guessing attacks with device cookies" (DESIGN: no one can lock the owner
 * out of a device they signed in from before): a browser that signed in to an account gets a signed
 * device cookie; its attempts count against its own budget, not the account's lock.
 */
describe('device cookies at the sign-in form', () => {
  let idp: TestIdp;
  let clientIp = OWNER;
  // A cookie the next requests carry besides the browser's own: a forged or borrowed device cookie.
  let planted: string | undefined;
  // Every Set-Cookie line the IdP sent, in order.
  const setCookies: string[] = [];
  // Requests to this https origin go to `to` as a TLS-terminating proxy would forward them.
  let proxied: { from: string; to: string } | undefined;
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    idp = await startTestIdp({ TRUST_PROXY: 'true' });
    // The browserless client calls the global fetch: every request says which client it is.
    globalThis.fetch = async (input, init) => {
      const headers: Record<string, string> = {
        ...(init?.headers as Record<string, string>),
        'x-forwarded-for': clientIp,
      };
      if (planted) headers.cookie = [headers.cookie, planted].filter(Boolean).join('; ');
      let url = input.toString();
      if (proxied && url.startsWith(proxied.from)) {
        url = proxied.to + url.slice(proxied.from.length);
        Object.assign(headers, {
          'x-forwarded-proto': 'https',
          'x-forwarded-host': new URL(proxied.from).host,
        });
      }
      const response = await realFetch(url, { ...init, headers });
      setCookies.push(...response.headers.getSetCookie());
      return response;
    };
  });
  beforeEach(async () => {
    clientIp = OWNER;
    planted = undefined;
    setCookies.length = 0;
    await query(idp, 'delete from idp.rate_limit');
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await idp?.close();
  });

  /** A verified account, made through the service function. */
  async function account(): Promise<NewPerson & { id: string }> {
    const person = newPerson();
    const { accountId } = await signUp(idp.running.orm.em.fork(), {
      ...person,
      gender: '',
      acceptTerms: true,
    });
    await query(idp, 'update idp.account set email_verified = true where id = ?', [accountId]);
    return { ...person, id: accountId! };
  }

  /** Open the account page in `browser` (a new one by default), from `ip`, and sign in. */
  async function signIn(email: string, password: string, ip: string, browser = browserlessClient()) {
    clientIp = ip;
    return browser.submit(await browser.get(`${idp.issuer}/account`), { email, password }, '/login');
  }

  /** What the person sees, in one word: signed in, or the status of the refusal. */
  const signInOutcome = (page: Page) => (isAccountPage(page) ? 'signed in' : page.status);

  /** The owner signs in once in this browser and signs out again: a known device, signed out. */
  async function knownBrowser(person: NewPerson): Promise<BrowserlessClient> {
    const browser = browserlessClient();
    expect(signInOutcome(await signIn(person.email, person.password, OWNER, browser))).toBe('signed in');
    const signOut = await browser.get(`${idp.issuer}/session/end?client_id=gatehouse-account`);
    await browser.submit(signOut, { logout: 'yes' }, '/session/end/confirm');
    expect(deviceCookie(browser, person)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    return browser;
  }

  const deviceCookie = (browser: BrowserlessClient, person: NewPerson) =>
    browser.cookie(idp.issuer, deviceCookieName(person.email, false));

  /** 10 addresses × 5 wrong passwords: every unknown device is locked out of the account. */
  async function attack(person: NewPerson): Promise<void> {
    for (const ip of ATTACKERS) {
      for (let i = 0; i < PER_ATTACKER; i++) {
        expect(signInOutcome(await signIn(person.email, `wrong guess ${ip} ${i}`, ip))).toBe(401);
      }
    }
    expect(signInOutcome(await signIn(person.email, person.password, NEWCOMER))).toBe(429);
  }

  it("the owner's known browser signs in at once during an attack from 10 addresses, while a new browser with the right password is refused", async () => {
    const owner = await account();
    const browser = await knownBrowser(owner);
    await attack(owner);

    expect(signInOutcome(await signIn(owner.email, owner.password, OWNER, browser))).toBe('signed in');
    expect(await sessionCount(idp, owner.id)).toBe(1);
    // The owner's success gives the guessers no fresh budget: new browsers stay refused.
    const refused = await signIn(owner.email, owner.password, NEWCOMER);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('Too many attempts. Try again in 15 minutes.');
    expect(await sessionCount(idp, owner.id)).toBe(1);
  });

  it('the known browser is trusted from any address, even one of the attackers (a shared office NAT)', async () => {
    const owner = await account();
    const browser = await knownBrowser(owner);
    await attack(owner);
    expect(signInOutcome(await signIn(owner.email, owner.password, ATTACKERS[0]!, browser))).toBe(
      'signed in',
    );
  });

  it("a tampered device cookie, or another account's, counts as an unknown device", async () => {
    const owner = await account();
    const genuine = deviceCookie(await knownBrowser(owner), owner)!;
    const someone = await account();
    const theirs = deviceCookie(await knownBrowser(someone), someone)!;
    await attack(owner);

    const name = deviceCookieName(owner.email, false);
    const [accountId, nonce, mac] = genuine.split('.') as [string, string, string];
    const flip = (text: string) => (text.endsWith('A') ? `${text.slice(0, -1)}B` : `${text.slice(0, -1)}A`);
    for (const forged of [
      `${accountId}.${nonce}.${flip(mac)}`,
      `${accountId}.${flip(nonce)}.${mac}`,
      `${someone.id}.${nonce}.${mac}`,
      theirs,
      `${genuine}x`,
      'garbage',
    ]) {
      planted = `${name}=${forged}`;
      expect(signInOutcome(await signIn(owner.email, owner.password, NEWCOMER)), forged).toBe(429);
    }
    // Someone's genuine cookie is good for their own account only.
    planted = `${deviceCookieName(someone.email, false)}=${theirs}`;
    expect(signInOutcome(await signIn(owner.email, owner.password, NEWCOMER))).toBe(429);
    expect(await sessionCount(idp, owner.id)).toBe(0);
    // The same requests with the genuine cookie are trusted: the refusals above were the forgeries'.
    planted = `${name}=${genuine}`;
    expect(signInOutcome(await signIn(owner.email, owner.password, NEWCOMER))).toBe('signed in');
  });

  it("a known browser has its own budget: its failures don't lock the account, and once used up it is an unknown device again", async () => {
    const owner = await account();
    const thief = await knownBrowser(owner);
    const laptop = await knownBrowser(owner);
    await attack(owner);

    // Counted against the device, not refused by the account's lock.
    for (let i = 0; i < DEVICE_BUDGET; i++) {
      expect(signInOutcome(await signIn(owner.email, `wrong guess ${i}`, OWNER, thief))).toBe(401);
    }
    expect(signInOutcome(await signIn(owner.email, owner.password, OWNER, thief))).toBe(429);
    // Another of the owner's browsers keeps its own budget.
    expect(signInOutcome(await signIn(owner.email, owner.password, OWNER, laptop))).toBe('signed in');
    expect(await sessionCount(idp, owner.id)).toBe(1);
  });

  it('the browser that signed up and entered the code is a known device of the new account', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    expect(deviceCookie(browser, person)).toBeDefined();
    const signOut = await browser.get(`${idp.issuer}/session/end?client_id=gatehouse-account`);
    await browser.submit(signOut, { logout: 'yes' }, '/session/end/confirm');
    await attack(person);
    expect(signInOutcome(await signIn(person.email, person.password, OWNER, browser))).toBe('signed in');
  });

  it('the device cookie is HttpOnly, SameSite=Lax and lasts a year; behind TLS it is also Secure and __Host-', async () => {
    const owner = await account();
    await knownBrowser(owner);
    const plain = deviceCookies(deviceCookieName(owner.email, false));
    expect(plain).toHaveLength(1);
    expect(plain[0]?.secure).toBe(false);

    const tls = await startTestIdp({
      DATABASE_URL: idp.databaseUrl,
      IDP_ISSUER: 'https://idp.example.test',
      TRUST_PROXY: 'true',
    });
    try {
      proxied = { from: 'https://idp.example.test', to: tls.issuer };
      const browser = browserlessClient();
      const page = await browser.get('https://idp.example.test/account');
      const signedIn = await browser.submit(page, { email: owner.email, password: owner.password }, '/login');
      expect(signInOutcome(signedIn)).toBe('signed in');
      const [cookie] = deviceCookies(deviceCookieName(owner.email, true));
      expect(cookie?.key).toMatch(/^__Host-device-[\w-]{16}$/);
      expect(cookie?.secure).toBe(true);
      expect(cookie?.path).toBe('/');
      expect(cookie?.domain, 'host-only').toBeNull();
    } finally {
      proxied = undefined;
      await tls.close();
    }
  });

  /** The device cookies `name` set so far, each checked for the attributes every one has. */
  function deviceCookies(name: string): Cookie[] {
    const cookies = parsedSetCookies(setCookies).filter((cookie) => cookie.key === name);
    for (const cookie of cookies) {
      const line = cookie.toString();
      expect(cookie.httpOnly, line).toBe(true);
      expect(cookie.sameSite, line).toBe('lax');
      const expires = cookie.expires instanceof Date ? cookie.expires.getTime() : Number.NaN;
      expect((expires - Date.now()) / 86_400_000, line).toBeGreaterThan(364);
    }
    return cookies;
  }

  it("a known browser's typos don't count against the account: new browsers are not locked by them", async () => {
    const owner = await account();
    const browser = await knownBrowser(owner);
    for (let i = 0; i < DEVICE_BUDGET; i++) {
      expect(signInOutcome(await signIn(owner.email, `typo ${i}`, NEWCOMER, browser))).toBe(401);
    }
    // From the same address, 5 failures of an unknown device would have locked it out.
    expect(signInOutcome(await signIn(owner.email, owner.password, NEWCOMER))).toBe('signed in');
  });
});
