import { expect } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from './browserless-client.ts';
import { csrfTokenOf } from './html-page.ts';
import type { TestIdp } from './idp-instance.ts';
import { type NewPerson, newPerson, verificationCode } from './oidc-client.ts';

/** A person with a verified account, and a browser signed in to their account settings page. */
export interface SignedInPerson {
  readonly person: NewPerson;
  readonly browser: BrowserlessClient;
  readonly account: Page;
}

/**
 * The standalone "Sign up now" (`/signup`): fill the form, enter the e-mailed code, and land on the
 * account settings page, signed in.
 */
export async function signUpAtIdp(idp: TestIdp, overrides: Partial<NewPerson> = {}): Promise<SignedInPerson> {
  const person = newPerson(overrides);
  const browser = browserlessClient();
  const form = await browser.get(`${idp.issuer}/signup`);
  const verify = await browser.submit(form, signUpFields(person), '/signup');
  expect(verify.html, 'sign-up reaches the code page').toContain('Verify your e-mail');
  const account = await browser.submit(
    verify,
    { code: await verificationCode(idp.smtp, person.email) },
    '/verify',
  );
  expect(account.url.startsWith(`${idp.issuer}/account`), account.html).toBe(true);
  return { person, browser, account };
}

/** The fields of the sign-up form, filled as the person would. */
export function signUpFields(person: NewPerson): Record<string, string> {
  return {
    givenName: person.givenName,
    familyName: person.familyName,
    email: person.email,
    password: person.password,
    birthdate: person.birthdate,
    gender: '',
    acceptTerms: 'yes',
  };
}

/** In a fresh browser (or `browser`), open the account page and sign in with e-mail and password. */
export async function signInAtIdp(
  idp: TestIdp,
  credentials: { email: string; password: string },
  browser: BrowserlessClient = browserlessClient(),
): Promise<Page> {
  const signIn = await browser.get(`${idp.issuer}/account`);
  expect(signIn.html, 'the account page asks to sign in first').toContain('<h1>Sign in</h1>');
  return browser.submit(signIn, { email: credentials.email, password: credentials.password }, '/login');
}

/** True when the page is the signed-in account settings page. */
export function isAccountPage(page: Page): boolean {
  return page.status === 200 && page.html.includes('<h1>Your account</h1>');
}

/** Rows of a raw SQL query on the IdP's database. */
export function query<T = Record<string, unknown>>(idp: TestIdp, sql: string, params: unknown[] = []) {
  return idp.running.orm.em.getConnection().execute<T[]>(sql, params);
}

/** The stored account row of `email` (password hash included), to prove what changed and what did not. */
export async function accountRow(idp: TestIdp, email: string) {
  const [row] = await query<{
    id: string;
    given_name: string;
    family_name: string;
    birthdate: string | Date;
    gender: string | null;
    password_hash: string;
    sessions_valid_after: string | Date;
    updated_at: string | Date;
  }>(idp, 'select * from idp.account where email = ?', [email]);
  if (!row) throw new Error(`no account ${email}`);
  return row;
}

/** How many provider sessions the account has at the IdP. */
export async function sessionCount(idp: TestIdp, accountId: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    idp,
    `select count(*) as n from idp.oidc_payload where model = 'Session' and payload->>'accountId' = ?`,
    [accountId],
  );
  return Number(row?.n ?? 0);
}

/** The hidden `_csrf` value of the form posting to `action` on the page. */
export function csrfOf(page: Page, action: string): string {
  return csrfTokenOf(page.html, action);
}
