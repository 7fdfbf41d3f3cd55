import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import type { SoftwareAuthenticator } from '../../bench/software-authenticator.ts';
import type { BrowserlessClient, Page } from './browserless-client.ts';
import { formOf } from './html-page.ts';
import { csrfOf } from './idp-account.ts';
import type { TestIdp } from './idp-instance.ts';

/** An authenticator app: the codes a phone would show for the secret the setup page gave. */
export function authenticatorApp(secret: string) {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return {
    /** The code of now, or of `steps` periods later (negative: earlier). */
    code: (steps = 0) => totp.generate({ timestamp: Date.now() + steps * 30_000 }),
  };
}

/** The secret the authenticator-app setup page shows as text. */
export function secretOn(page: Page): string {
  const secret = /<code id="secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1];
  if (!secret) throw new Error(`no secret on the page:\n${page.html.slice(0, 1500)}`);
  return secret;
}

/** Set up an authenticator app from the signed-in account page: the setup page, then a right code. */
export async function setUpAuthenticatorApp(idp: TestIdp, browser: BrowserlessClient) {
  const setup = await browser.get(`${idp.issuer}/account/authenticator-app`);
  expect(setup.html).toContain('<h1>Set up an authenticator app</h1>');
  const app = authenticatorApp(secretOn(setup));
  const done = await browser.submit(setup, { code: app.code() }, '/account/authenticator-app');
  expect(done.url).toBe(`${idp.issuer}/account?done=authenticator-app-added#security`);
  return { app, done };
}

/** POST a passkey form's options URL with its CSRF token, as passkeys.js does; the JSON answer. */
export async function passkeyOptionsOf(browser: BrowserlessClient, page: Page, action: string) {
  const url = new URL(`${action}/options`, page.url).toString();
  const answer = await browser.post(url, { _csrf: csrfOf(page, action) });
  expect(answer.status, answer.html).toBe(200);
  return JSON.parse(answer.html);
}

/** Add a passkey from the signed-in account, with `authenticator` answering; the page reached. */
export async function addPasskey(
  idp: TestIdp,
  browser: BrowserlessClient,
  authenticator: SoftwareAuthenticator,
  name = 'Work laptop',
): Promise<Page> {
  const page = await browser.get(`${idp.issuer}/account/passkeys/new`);
  expect(page.html).toContain('<h1>Add a passkey</h1>');
  const options = await passkeyOptionsOf(browser, page, '/account/passkeys');
  const response = JSON.stringify(authenticator.register(options));
  return browser.submit(page, { name, response }, '/account/passkeys');
}

/** The `action` of the passkey form on a sign-in or second-step page. */
export function passkeyActionOf(page: Page): string {
  return new URL(formOf(page, '/passkey').action).pathname;
}

/** Sign in with a passkey from a sign-in (or second-step) page, answers bent by `answer`. */
export async function signInWithPasskey(
  browser: BrowserlessClient,
  page: Page,
  answer: (options: { challenge: string; rpId?: string }) => Record<string, unknown>,
): Promise<Page> {
  const action = passkeyActionOf(page);
  const options = await passkeyOptionsOf(browser, page, action);
  return browser.submit(page, { response: JSON.stringify(answer(options)) }, action);
}
