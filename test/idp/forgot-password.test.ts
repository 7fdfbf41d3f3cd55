import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { linksOf } from '../support/html-page.ts';
import { accountRow, isAccountPage, query, signInAtIdp, signUpAtIdp } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { authorizationRequest, discoverAsApp, redeem, TEST_REDIRECT_URI } from '../support/oidc-client.ts';

const INVALID_LINK = 'This password reset link is not valid or has expired. Ask for a new one.';
const NEW_PASSWORD = 'a fresh start passphrase 9';

describe('J11: "Forgot password" by e-mail', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp();
  });
  // One reset mail a minute per address: each test asks for its own link.
  beforeEach(async () => {
    await query(idp, 'delete from idp.mail_cooldown');
  });
  afterAll(() => idp?.close());

  /** From the sign-in page: "Forgot password?", enter the address, send. */
  async function askForLink(browser: BrowserlessClient, email: string): Promise<Page> {
    const signIn = await browser.get(`${idp.issuer}/account`);
    const href = linksOf(signIn).find((link) => link.text === 'Forgot password?')?.href;
    expect(href, 'a "Forgot password?" link on the sign-in page').toBeDefined();
    const form = await browser.get(href!);
    expect(form.html).toContain('<label for="email" class="required">E-mail</label>');
    return browser.submit(form, { email }, '/forgot-password');
  }

  async function resetLink(email: string, after = 0): Promise<string> {
    const mail = await idp.smtp.waitForMail(
      (m) => m.to === email && m.subject === 'Reset your password' && idp.smtp.messages.indexOf(m) >= after,
    );
    const link = mail.links.find((l) => l.startsWith(`${idp.issuer}/reset-password?token=`));
    expect(link, mail.text).toBeDefined();
    return link!;
  }

  it('answers a known and an unknown e-mail address with the same page, and mails only the known one', async () => {
    const { person } = await signUpAtIdp(idp);
    const unknownEmail = `nobody.${Date.now()}@example.com`;

    const unknown = await askForLink(browserlessClient(), unknownEmail);
    const known = await askForLink(browserlessClient(), person.email);
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.html).toContain('<h1>Check your e-mail</h1>');
    expect(known.html).toContain('The link works once, for 30 minutes.');
    expect(unknown.html.replace(unknownEmail, 'X')).toBe(known.html.replace(person.email, 'X'));

    await resetLink(person.email);
    expect(idp.smtp.messages.filter((m) => m.to === unknownEmail)).toEqual([]);
  });

  it('refuses an address that is not one, next to its field', async () => {
    const page = await askForLink(browserlessClient(), 'not an address');
    expect(page.status).toBe(400);
    expect(page.html).toContain(
      '<small id="email-error" class="error">Enter an e-mail address without spaces.</small>',
    );
    expect(page.html).toContain('value="not an address"');
  });

  it('resets the password through the mailed link, once, and ends every existing session', async () => {
    const { person, browser: signedIn } = await signUpAtIdp(idp);
    const app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
    const config = await discoverAsApp(idp.issuer, app);
    signedIn.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const back = await signedIn.submit(await signedIn.get(request.url.toString()), {}, '/confirm');
    const tokens = await redeem(config, request, back.url);
    const mark = idp.smtp.messages.length;
    await askForLink(browserlessClient(), person.email);
    const link = await resetLink(person.email, mark);

    const stranger = browserlessClient();
    const form = await stranger.get(link);
    expect(form.status).toBe(200);
    expect(form.html).toContain('<h1>Choose a new password</h1>');
    expect(form.headers.get('referrer-policy')).toBe('no-referrer');

    const done = await stranger.submit(form, { newPassword: NEW_PASSWORD }, '/reset-password');
    expect(done.status).toBe(200);
    expect(done.html).toContain('Your password is changed and every session of your account has ended.');

    // The browser signed in before the reset is signed out, and the app's tokens have ended.
    expect((await signedIn.get(`${idp.issuer}/account`)).html).toContain('<h1>Sign in</h1>');
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    expect((await signInAtIdp(idp, person)).status).toBe(401);
    expect(isAccountPage(await signInAtIdp(idp, { email: person.email, password: NEW_PASSWORD }))).toBe(true);

    // The link worked once.
    const before = await accountRow(idp, person.email);
    const other = browserlessClient();
    const reused = await other.submit(
      await other.get(link),
      { newPassword: 'yet another passphrase 3' },
      '/reset-password',
    );
    expect(reused.status).toBe(400);
    expect(reused.html).toContain(INVALID_LINK);
    expect(reused.html).toContain('href="/forgot-password"');
    expect(await accountRow(idp, person.email)).toEqual(before);
  });

  it('keeps the link usable when the new password is refused, showing why next to the field', async () => {
    const { person } = await signUpAtIdp(idp);
    const mark = idp.smtp.messages.length;
    await askForLink(browserlessClient(), person.email);
    const browser = browserlessClient();
    const form = await browser.get(await resetLink(person.email, mark));
    const before = await accountRow(idp, person.email);

    const short = await browser.submit(form, { newPassword: 'short' }, '/reset-password');
    expect(short.status).toBe(400);
    expect(short.html).toContain(
      '<small id="newPassword-error" class="error">Use at least 8 characters.</small>',
    );
    expect(await accountRow(idp, person.email)).toEqual(before);

    const done = await browser.submit(short, { newPassword: NEW_PASSWORD }, '/reset-password');
    expect(done.html).toContain('<h1>Password changed</h1>');
  });

  it('refuses a tampered link with a clear message and changes nothing', async () => {
    const { person } = await signUpAtIdp(idp);
    const mark = idp.smtp.messages.length;
    await askForLink(browserlessClient(), person.email);
    const link = await resetLink(person.email, mark);
    const before = await accountRow(idp, person.email);

    const url = new URL(link);
    const token = url.searchParams.get('token')!;
    url.searchParams.set('token', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    const browser = browserlessClient();
    const form = await browser.get(url.toString());
    const tampered = await browser.submit(form, { newPassword: NEW_PASSWORD }, '/reset-password');
    expect(tampered.status).toBe(400);
    expect(tampered.html).toContain(INVALID_LINK);
    expect(tampered.html).not.toContain('name="newPassword"');
    const empty = await browser.submit(form, { token: '', newPassword: NEW_PASSWORD }, '/reset-password');
    expect(empty.status).toBe(400);
    expect(empty.html).toContain(INVALID_LINK);
    expect(await accountRow(idp, person.email)).toEqual(before);

    // The real link still works.
    const real = await browser.submit(
      await browser.get(link),
      { newPassword: NEW_PASSWORD },
      '/reset-password',
    );
    expect(real.html).toContain('<h1>Password changed</h1>');
  });

  it('makes a link that lives 30 minutes, refused once expired', async () => {
    const { person } = await signUpAtIdp(idp);
    const mark = idp.smtp.messages.length;
    await askForLink(browserlessClient(), person.email);
    const link = await resetLink(person.email, mark);
    const { id: accountId } = await accountRow(idp, person.email);

    const [secret] = await query<{ minutes: number }>(
      idp,
      `select extract(epoch from expires_at - created_at) / 60 as minutes from idp.email_secret
        where account_id = ? and purpose = 'reset-password' and consumed_at is null`,
      [accountId],
    );
    expect(Number(secret!.minutes)).toBe(30);

    await query(
      idp,
      `update idp.email_secret set expires_at = now() - interval '1 second'
        where account_id = ? and purpose = 'reset-password' and consumed_at is null`,
      [accountId],
    );
    const before = await accountRow(idp, person.email);
    const browser = browserlessClient();
    const expired = await browser.submit(
      await browser.get(link),
      { newPassword: NEW_PASSWORD },
      '/reset-password',
    );
    expect(expired.status).toBe(400);
    expect(expired.html).toContain(INVALID_LINK);
    expect(await accountRow(idp, person.email)).toEqual(before);
    expect(isAccountPage(await signInAtIdp(idp, person))).toBe(true);
  });

  it('makes an earlier link stop working when a new one is sent', async () => {
    const { person } = await signUpAtIdp(idp);
    const first = idp.smtp.messages.length;
    await askForLink(browserlessClient(), person.email);
    const old = await resetLink(person.email, first);
    await query(idp, 'delete from idp.mail_cooldown');
    const second = idp.smtp.messages.length;
    await askForLink(browserlessClient(), person.email);
    const latest = await resetLink(person.email, second);
    expect(latest).not.toBe(old);

    const browser = browserlessClient();
    const refused = await browser.submit(
      await browser.get(old),
      { newPassword: NEW_PASSWORD },
      '/reset-password',
    );
    expect(refused.html).toContain(INVALID_LINK);
    const done = await browser.submit(
      await browser.get(latest),
      { newPassword: NEW_PASSWORD },
      '/reset-password',
    );
    expect(done.html).toContain('<h1>Password changed</h1>');
  });
});
