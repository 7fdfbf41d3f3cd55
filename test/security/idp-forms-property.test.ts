import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitsOptions } from '../../idp/rate-limits/rate-limits.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { csrfOf, query, signUpAtIdp, signUpFields } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson, verificationCode } from '../support/oidc-client.ts';

const RUNS = 30;
// Limits out of the way: the property is about input, not about being locked out after 5 tries.
const LOOSE = { points: 100_000, durationSeconds: 60 };
const RULES: RateLimitsOptions['rules'] = {
  signInByAccountAndIp: LOOSE,
  signInByAccount: LOOSE,
  signInByIp: LOOSE,
  signUpByIp: LOOSE,
  mailByAccount: LOOSE,
};
// What a refusal may answer: bad input, wrong secret, bad token, too large, too soon.
const REFUSALS = [400, 401, 403, 413, 429];

// Strings that have broken form handlers elsewhere: markup, SQL, template syntax, NUL, CR/LF,
// bidi and width tricks, impossible dates, and a few valid-looking values to get past the parser.
const HOSTILE = [
  '',
  ' ',
  '\u0000',
  'a\u0000b@example.com',
  '\r\nBcc: spy@evil.example',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR '1'='1' --",
  '%00',
  '../../etc/passwd',
  '<%= it.csrfToken %>',
  '{{7*7}}',
  '\u202egnp.exe',
  'ｇｒａｃｅ＠ｅｘａｍｐｌｅ.com',
  'grace@ex\u0430mple.com',
  '\ud800',
  '1985-02-30',
  '0000-00-00',
  '9999-12-31',
  '1985-12-10',
  'female',
  'yes',
  '123456',
  '__proto__',
  'A'.repeat(5000),
];

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 1, arbitrary: fc.nat({ max: 40_000 }).map((n) => 'x'.repeat(n)) },
);

/** One field as a hostile client may send it: missing, a string, an array, an object. */
function shaped(name: string, samples: readonly string[]): fc.Arbitrary<[string, string][]> {
  const value = samples.length ? fc.oneof(fc.constantFrom(...samples), text) : text;
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
    { weight: 6, arbitrary: value.map((v): [string, string][] => [[name, v]]) },
    {
      weight: 1,
      arbitrary: fc
        .array(value, { minLength: 1, maxLength: 3 })
        .map((vs) => vs.map((v, i): [string, string] => [`${name}[${i}]`, v])),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 6 }), value)
        .map(([key, v]): [string, string][] => [[`${name}[${key}]`, v]]),
    },
  );
}

/** A whole form: its fields shaped as above, plus a few fields it does not have. */
function formInput(fields: Record<string, readonly string[]>): fc.Arbitrary<Record<string, string>> {
  return fc
    .tuple(
      fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 2 }),
      ...Object.entries(fields).map(([name, samples]) => shaped(name, samples)),
    )
    .map(([extra, ...parts]) => ({ ...extra, ...Object.fromEntries(parts.flat()) }));
}

interface FormUnderTest {
  /** A browser holding the form, the URL it posts to and its CSRF token. */
  open(): Promise<{ browser: BrowserlessClient; url: string; csrf: string }>;
  /** The form's fields, each with values that are valid, so some inputs get past the parser. */
  readonly fields: Record<string, readonly string[]>;
}

/**
 * Every form handler of the IdP, fed random and hostile input with a valid CSRF token (OWASP ASVS
 * 5.0 V2.2): it never answers 500, and when it refuses, nothing in the database has changed.
 */
describe('IdP form handlers under random and hostile input', () => {
  let idp: TestIdp;
  const forms: Record<string, FormUnderTest> = {};

  beforeAll(async () => {
    idp = await startTestIdp({}, { rateLimitRules: RULES });
    const someone = await signUpAtIdp(idp);
    const pending = newPerson();
    const interaction = async (action: string) => {
      const browser = browserlessClient();
      const page = await browser.get(`${idp.issuer}/account`);
      return { browser, url: `${page.url}/${action}`, csrf: csrfOf(page, '/login') };
    };
    const onAccountPage = async (action: string) => {
      const { browser, account } = await signUpAtIdp(idp);
      // One token per browser: the profile form's is every account form's.
      return { browser, url: `${idp.issuer}${action}`, csrf: csrfOf(account, '/account/profile') };
    };
    const anywhere = async (path: string) => {
      const browser = browserlessClient();
      const page = await browser.get(`${idp.issuer}/forgot-password`);
      return { browser, url: `${idp.issuer}${path}`, csrf: csrfOf(page, '/forgot-password') };
    };
    // A sign-up waiting for its code, and a reset link that works, for the forms that need one.
    const waiting = browserlessClient();
    await waiting.submit(await waiting.get(`${idp.issuer}/signup`), signUpFields(pending), '/signup');
    const code = await verificationCode(idp.smtp, pending.email);
    await waiting.submit(
      await waiting.get(`${idp.issuer}/forgot-password`),
      { email: someone.person.email },
      '/forgot-password',
    );
    const resetMail = await idp.smtp.waitForMail((m) => m.subject === 'Reset your password');
    const token = new URL(resetMail.links[0]!).searchParams.get('token')!;
    const valid = signUpFields(newPerson());

    Object.assign(forms, {
      'sign-in': {
        open: () => interaction('login'),
        fields: { email: [someone.person.email], password: ['not the password 1'] },
      },
      'sign-up': {
        open: () => interaction('signup'),
        fields: Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, [v]])),
      },
      'verification code': {
        open: () => interaction('verify'),
        fields: { email: [pending.email], code: [String((Number(code) + 1) % 1_000_000).padStart(6, '0')] },
      },
      'send a new code': { open: () => interaction('resend'), fields: { email: [pending.email] } },
      'forgot password': {
        open: () => anywhere('/forgot-password'),
        fields: { email: [someone.person.email] },
      },
      'reset password': {
        open: () => anywhere('/reset-password'),
        fields: { token: [token], newPassword: ['a fresh passphrase 42'] },
      },
      profile: {
        open: () => onAccountPage('/account/profile'),
        fields: {
          givenName: ['Ada'],
          familyName: ['Lovelace'],
          birthdate: ['1985-12-10'],
          gender: ['other'],
        },
      },
      password: {
        open: () => onAccountPage('/account/password'),
        fields: { currentPassword: [someone.person.password], newPassword: ['a fresh passphrase 42'] },
      },
      'remove access': { open: () => onAccountPage('/account/apps/revoke'), fields: { clientId: [] } },
    } satisfies Record<string, FormUnderTest>);
  });
  afterAll(() => idp?.close());

  /** Everything a refused form must leave as it was (attempt counters and rate limits may move). */
  async function state() {
    return {
      accounts: await query(idp, 'select * from idp.account order by id'),
      secrets: await query(
        idp,
        'select id, purpose, secret_hash, expires_at, consumed_at from idp.email_secret order by id',
      ),
      provider: await query(idp, 'select model, id, payload from idp.oidc_payload order by model, id'),
      mails: await query(idp, 'select id from idp.outbox_mail order by id'),
    };
  }

  it.each([
    'sign-in',
    'sign-up',
    'verification code',
    'send a new code',
    'forgot password',
    'reset password',
    'profile',
    'password',
    'remove access',
  ])('the %s form never answers 500 and changes nothing when it refuses', async (name) => {
    const form = forms[name]!;
    const { browser, url, csrf } = await form.open();
    await fc.assert(
      fc.asyncProperty(formInput(form.fields), async (input) => {
        const before = await state();
        const page: Page = await browser.post(url, { ...input, _csrf: csrf });
        expect(page.status, page.html.slice(0, 500)).toBeLessThan(500);
        expect([200, ...REFUSALS]).toContain(page.status);
        if (!REFUSALS.includes(page.status)) return;
        // A clear answer: the refusal says what is wrong, on the page or next to a field.
        expect(page.html).toMatch(/role="alert"|class="error"/);
        expect(await state()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });
});
