import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp } from '../../idp/accounts/accounts.ts';
import type { RateLimitsOptions } from '../../idp/rate-limits/rate-limits.ts';
import { browserlessClient, type Page } from '../support/browserless-client.ts';
import { isAccountPage, query, sessionCount } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { type NewPerson, newPerson } from '../support/oidc-client.ts';

// The default limits with windows a test can wait out: 3 failures per address from one client,
// 6 per address from anywhere, 8 per client; each lock lasts 3 seconds.
const RULES: RateLimitsOptions['rules'] = {
  signInByAccountAndIp: { points: 3, durationSeconds: 20, blockSeconds: 3 },
  signInByAccount: { points: 6, durationSeconds: 20, blockSeconds: 3 },
  signInByIp: { points: 8, durationSeconds: 20, blockSeconds: 3 },
};
const LOCK_MS = 3_000;
const TOO_MANY = 'Too many attempts. Try again in 1 minute.';

// Client addresses, told to the IdP through X-Forwarded-For (the instances trust their proxy).
const ATTACKER = '198.51.100.66';
const OWNER = '203.0.113.10';

/**
 * Online guessing (ASVS 2.2.1, NIST SP 800-63B §5.2.2): failures are counted per address and
 * client, per address, and per client, in PostgreSQL, so every instance enforces the same limits.
 * A lock ends after its window, and one attacker cannot keep the owner out.
 */
describe('brute force against the sign-in form', () => {
  let one: TestIdp;
  let two: TestIdp;
  let untrusting: TestIdp;
  let clientIp = ATTACKER;
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    one = await startTestIdp({ TRUST_PROXY: 'true' }, { rateLimitRules: RULES });
    two = await startTestIdp(
      { DATABASE_URL: one.databaseUrl, TRUST_PROXY: 'true' },
      { rateLimitRules: RULES },
    );
    untrusting = await startTestIdp({ DATABASE_URL: one.databaseUrl }, { rateLimitRules: RULES });
    // The browserless client calls the global fetch: every request says which client it is.
    globalThis.fetch = (input, init) =>
      realFetch(input, { ...init, headers: { ...(init?.headers as object), 'x-forwarded-for': clientIp } });
  });
  beforeEach(async () => {
    clientIp = ATTACKER;
    await query(one, 'delete from idp.rate_limit');
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await untrusting?.close();
    await two?.close();
    await one?.close();
  });

  /** A verified account, made through the service function. */
  async function account(): Promise<NewPerson & { id: string }> {
    const person = newPerson();
    const { accountId } = await signUp(one.running.orm.em.fork(), {
      ...person,
      gender: '',
      acceptTerms: true,
    });
    await query(one, 'update idp.account set email_verified = true where id = ?', [accountId]);
    return { ...person, id: accountId! };
  }

  /** Open the account page in a new browser at `on`, from `ip`, and sign in. */
  async function signIn(on: TestIdp, email: string, password: string, ip = ATTACKER): Promise<Page> {
    clientIp = ip;
    const browser = browserlessClient();
    return browser.submit(await browser.get(`${on.issuer}/account`), { email, password }, '/login');
  }

  /** What the person sees, in one word: signed in, or the status of the refusal. */
  const signInOutcome = (page: Page) => (isAccountPage(page) ? 'signed in' : page.status);

  const guess = (on: TestIdp, email: string, ip = ATTACKER) =>
    signIn(on, email, `wrong guess ${Math.random()}`, ip).then(signInOutcome);

  it('locks the address after 3 failures: the right password is refused too, and no session starts', async () => {
    const victim = await account();
    for (let i = 0; i < 3; i++) expect(await guess(one, victim.email)).toBe(401);
    const refused = await signIn(one, victim.email, victim.password);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain(TOO_MANY);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await sessionCount(one, victim.id)).toBe(0);
  });

  it('counts failures on both instances into one lock', async () => {
    const victim = await account();
    expect(await guess(one, victim.email)).toBe(401);
    expect(await guess(two, victim.email)).toBe(401);
    expect(await guess(one, victim.email)).toBe(401);
    expect(signInOutcome(await signIn(two, victim.email, victim.password))).toBe(429);
    expect(signInOutcome(await signIn(one, victim.email, victim.password))).toBe(429);
  });

  it('stops one client guessing one password each across many addresses, on either instance', async () => {
    for (let i = 0; i < 8; i++) expect(await guess(i % 2 ? one : two, newPerson().email)).toBe(401);
    const someone = await account();
    const refused = await signIn(one, someone.email, someone.password);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain(TOO_MANY);
    expect(signInOutcome(await signIn(two, someone.email, someone.password))).toBe(429);
    // It is the client that is refused, not the account: its owner, elsewhere, signs in.
    expect(signInOutcome(await signIn(one, someone.email, someone.password, OWNER))).toBe('signed in');
  });

  it('does not let a client dodge the per-client limit with X-Forwarded-For when no proxy is trusted', async () => {
    for (let i = 0; i < 8; i++) {
      expect(await guess(untrusting, newPerson().email, `192.0.2.${i + 1}`)).toBe(401);
    }
    const someone = await account();
    expect(signInOutcome(await signIn(untrusting, someone.email, someone.password, '192.0.2.200'))).toBe(429);
  });

  it('lifts the lock after its window, however often the attacker tries during it, and a success clears the count', async () => {
    const victim = await account();
    for (let i = 0; i < 3; i++) await guess(one, victim.email);
    const lockedAt = Date.now();
    while (Date.now() - lockedAt < LOCK_MS - 1_500) {
      expect(await guess(one, victim.email)).toBe(429);
    }
    await sleepUntil(lockedAt + LOCK_MS + 300);
    expect(signInOutcome(await signIn(one, victim.email, victim.password))).toBe('signed in');
    // The success forgot the failures: a typo or two afterwards is not a lock.
    expect(await guess(one, victim.email)).toBe(401);
    expect(await guess(one, victim.email)).toBe(401);
    expect(signInOutcome(await signIn(two, victim.email, victim.password))).toBe('signed in');
  });

  it('an attacker at one address cannot keep the owner out: the owner signs in from theirs during the lock', async () => {
    const victim = await account();
    for (let i = 0; i < 3; i++) expect(await guess(one, victim.email)).toBe(401);
    expect(signInOutcome(await signIn(one, victim.email, victim.password))).toBe(429);
    expect(signInOutcome(await signIn(two, victim.email, victim.password, OWNER))).toBe('signed in');
    expect(await sessionCount(one, victim.id)).toBe(1);
    // The attacker's lock holds whatever they try meanwhile.
    expect(await guess(one, victim.email)).toBe(429);
  });

  it('caps the failures on one address from many clients: 6, then everyone is refused until the window ends', async () => {
    const victim = await account();
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      expect(await guess(one, victim.email, ip)).toBe(401);
      expect(await guess(two, victim.email, ip)).toBe(401);
    }
    const lockedAt = Date.now();
    expect(signInOutcome(await signIn(one, victim.email, victim.password, OWNER))).toBe(429);
    await sleepUntil(lockedAt + LOCK_MS + 300);
    expect(signInOutcome(await signIn(one, victim.email, victim.password, OWNER))).toBe('signed in');
  });
});

function sleepUntil(time: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, Math.max(0, time - Date.now())));
}
