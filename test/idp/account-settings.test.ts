import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { documentOf } from '../support/html-page.ts';
import {
  accountRow,
  isAccountPage,
  query,
  sessionCount,
  signInAtIdp,
  signUpAtIdp,
} from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { authorizationRequest, discoverAsApp, redeem, TEST_REDIRECT_URI } from '../support/oidc-client.ts';

describe('J11: the account settings pages', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
  });
  afterAll(() => idp?.close());

  it('signing up at /signup lands on the account settings page, signed in, showing the profile', async () => {
    const form = await browserlessClient().get(`${idp.issuer}/signup`);
    expect(form.html).toContain('<h1>Create account</h1>');
    expect(form.html).toContain('<button type="submit">Create account</button>');

    const { person, browser, account } = await signUpAtIdp(idp);
    expect(account.url).toMatch(new RegExp(`^${idp.issuer}/account\\b`));
    expect(isAccountPage(account)).toBe(true);
    expect(account.html).toContain(`Signed in as <strong>${person.email}</strong> (verified)`);

    const again = await browser.get(`${idp.issuer}/account`);
    expect(again.url).toBe(`${idp.issuer}/account`);
    expect(again.html).toContain('value="Ada"');
    expect(again.html).toContain('value="Lovelace"');
    expect(again.html).toContain('value="1985-12-10"');
    expect(again.html).toContain('<option value="">Prefer not to say</option>');
  });

  it('shows a signed-out visitor the sign-in page instead of an account', async () => {
    const page = await browserlessClient().get(`${idp.issuer}/account`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Sign in</h1>');
    expect(page.html).toContain('Sign up now');
    expect(page.html).not.toContain('Your account');
  });

  it('saves an edited profile and shows it', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const saved = await browser.submit(
      account,
      { givenName: 'Augusta Ada', familyName: 'King', birthdate: '1986-01-02', gender: 'female' },
      '/account/profile',
    );
    expect(saved.url).toBe(`${idp.issuer}/account?done=profile`);
    expect(saved.html).toContain('Your profile is saved.');
    expect(saved.html).toContain('value="Augusta Ada"');
    expect(saved.html).toContain('<option value="female" selected>');

    const row = await accountRow(idp, person.email);
    expect(row).toMatchObject({ given_name: 'Augusta Ada', family_name: 'King', gender: 'female' });
    expect(isoDate(row.birthdate)).toBe('1986-01-02');
  });

  it('refuses a bad birth date or an empty name next to the field, and saves nothing', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const before = await accountRow(idp, person.email);

    const refused = await browser.submit(
      account,
      { givenName: '   ', familyName: 'King', birthdate: '1986-02-30', gender: 'male' },
      '/account/profile',
    );
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Some fields need your attention.');
    expect(refused.html).toContain(
      '<small id="givenName-error" class="error">Enter your first name.</small>',
    );
    expect(refused.html).toContain(
      '<small id="birthdate-error" class="error">Enter a date that exists.</small>',
    );
    // What the person typed is kept, so they only fix what is wrong.
    expect(refused.html).toContain('value="King"');

    const notADate = await browser.submit(
      account,
      { givenName: 'Ada', familyName: 'Lovelace', birthdate: 'next tuesday', gender: '' },
      '/account/profile',
    );
    expect(notADate.status).toBe(400);
    expect(notADate.html).toContain('Enter your birth date as YYYY-MM-DD.');

    const future = await browser.submit(
      account,
      { givenName: 'Ada', familyName: 'Lovelace', birthdate: '2999-01-01', gender: '' },
      '/account/profile',
    );
    expect(future.html).toContain('Your birth date cannot be in the future.');

    const gender = await browser.submit(
      account,
      { givenName: 'Ada', familyName: 'Lovelace', birthdate: '1985-12-10', gender: 'robot' },
      '/account/profile',
    );
    expect(gender.status).toBe(400);
    expect(gender.html).toContain(
      '<small id="gender-error" class="error">Choose one of the options.</small>',
    );

    expect(await accountRow(idp, person.email)).toEqual(before);
  });

  it('asks to sign in again, and saves nothing, when a form is sent after the session ended', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const other = browserlessClient();
    const otherAccount = await signInAtIdp(idp, person, other);
    await other.submit(otherAccount, {}, '/account/sign-out-everywhere');
    const before = await accountRow(idp, person.email);

    const late = await browser.submit(
      account,
      { givenName: 'Late', familyName: 'Edit', birthdate: '1985-12-10', gender: '' },
      '/account/profile',
    );
    expect(late.status).toBe(401);
    expect(late.html).toContain('Your session has ended. Sign in again to continue.');
    const password = await browser.submit(
      account,
      { currentPassword: person.password, newPassword: 'a brand new passphrase 7' },
      '/account/password',
    );
    expect(password.status).toBe(401);
    expect(await accountRow(idp, person.email)).toEqual(before);
  });

  it('refuses to change the password without the right current one, and the old one still works', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const before = await accountRow(idp, person.email);

    const refused = await browser.submit(
      account,
      { currentPassword: 'not my password at all', newPassword: 'a brand new passphrase 7' },
      '/account/password',
    );
    expect(refused.status).toBe(401);
    expect(refused.html).toContain(
      '<small id="currentPassword-error" class="error">Your current password is incorrect.</small>',
    );
    expect(await accountRow(idp, person.email)).toEqual(before);
    expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(true);
    expect(isAccountPage(await signInAtIdp(idp, person))).toBe(true);
  });

  it('refuses a new password the policy does not allow, next to its field, and changes nothing', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const before = await accountRow(idp, person.email);

    const short = await browser.submit(
      account,
      { currentPassword: person.password, newPassword: 'short' },
      '/account/password',
    );
    expect(short.status).toBe(400);
    expect(short.html).toContain(
      '<small id="newPassword-error" class="error">Use at least 8 characters.</small>',
    );

    const common = await browser.submit(
      account,
      { currentPassword: person.password, newPassword: 'password123' },
      '/account/password',
    );
    expect(common.html).toContain('This password is too common. Choose one that is harder to guess.');
    expect(await accountRow(idp, person.email)).toEqual(before);
  });

  it('changes the password with the right current one: the new one works, the old one does not, other browsers are signed out', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const other = browserlessClient();
    expect(isAccountPage(await signInAtIdp(idp, person, other))).toBe(true);
    const { id: accountId } = await accountRow(idp, person.email);
    const { config, tokens } = await signInToApp(other);
    const sessionBefore = browser.cookie(idp.issuer, '_session');
    const newPassword = 'a brand new passphrase 7';

    const after = await browser.submit(
      account,
      { currentPassword: person.password, newPassword },
      '/account/password',
    );
    // This browser proved the password: it stays signed in, under a new session id.
    expect(after.url).toBe(`${idp.issuer}/account?done=password`);
    expect(isAccountPage(after)).toBe(true);
    expect(after.html).toContain('Your password is changed. Every other session of your account has ended.');
    expect(browser.cookie(idp.issuer, '_session')).not.toBe(sessionBefore);
    expect(await sessionCount(idp, accountId)).toBe(1);
    await expectTokensEnded(config, tokens);
    const mail = await idp.smtp.waitForMail(
      (m) => m.to === person.email && m.subject === 'Your password was changed',
    );
    expect(mail.text).toContain('your other sessions were signed out');

    const otherNow = await other.get(`${idp.issuer}/account`);
    expect(otherNow.html).toContain('<h1>Sign in</h1>');
    expect(isAccountPage(otherNow)).toBe(false);

    const oldRefused = await signInAtIdp(idp, person);
    expect(oldRefused.status).toBe(401);
    expect(oldRefused.html).toContain('The e-mail or password is incorrect.');

    expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(true);
    // The provider honours the kept session too: the app gets the person without a sign-in page
    // (the consent page, as it asks for more than the other browser allowed it).
    const request = await authorizationRequest(await discoverAsApp(idp.issuer, app), {
      scope: 'openid email',
    });
    expect((await browser.get(request.url.toString())).html).toContain(
      'Allow Partner App to access your account?',
    );
    expect(isAccountPage(await signInAtIdp(idp, { email: person.email, password: newPassword }))).toBe(true);
  });

  it('lists an app the person signed in to, and "Remove access" revokes its grant and tokens', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const config = await discoverAsApp(idp.issuer, app);
    browser.stopAt.push(TEST_REDIRECT_URI);

    const request = await authorizationRequest(config, {
      scope: 'openid profile email offline_access',
      prompt: 'consent',
    });
    const consent = await browser.get(request.url.toString());
    expect(consent.html).toContain('Allow Partner App to access your account?');
    const back = await browser.submit(consent, {}, '/confirm');
    const tokens = await redeem(config, request, back.url);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    const listed = await browser.get(`${idp.issuer}/account`);
    expect(listed.html).toContain('<h2>Apps with access</h2>');
    expect(appsListed(listed.html)).toEqual(['Partner App']);

    const removed = await browser.submit(listed, { clientId: app.client_id }, '/account/apps/revoke');
    expect(removed.url).toBe(`${idp.issuer}/account?done=revoked`);
    expect(removed.html).toContain('The app no longer has access to your account.');
    expect(appsListed(removed.html)).toEqual([]);
    expect(removed.html).toContain('No app has access to your account.');

    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const { id: accountId } = await accountRow(idp, person.email);
    const grants = await query(
      idp,
      `select id from idp.oidc_payload where model = 'Grant' and payload->>'accountId' = ? and payload->>'clientId' = ?`,
      [accountId, app.client_id],
    );
    expect(grants).toEqual([]);

    // Still signed in at the IdP, but the app must ask again.
    const next = await authorizationRequest(config);
    const asked = await browser.get(next.url.toString());
    expect(asked.html).toContain('Allow Partner App to access your account?');
  });

  it('remembers the consent given to an app when the person signs in again in another browser', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const config = await discoverAsApp(idp.issuer, app);
    browser.stopAt.push(TEST_REDIRECT_URI);
    const first = await authorizationRequest(config);
    await browser.submit(await browser.get(first.url.toString()), {}, '/confirm');

    const elsewhere = browserlessClient();
    elsewhere.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const signIn = await elsewhere.get(request.url.toString());
    const back = await elsewhere.submit(signIn, { email: person.email, password: person.password }, '/login');
    expect(back.url.startsWith(TEST_REDIRECT_URI)).toBe(true);
  });

  it('signs the person out in every browser with "Sign out everywhere"', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const other = browserlessClient();
    expect(isAccountPage(await signInAtIdp(idp, person, other))).toBe(true);
    const { id: accountId } = await accountRow(idp, person.email);
    expect(await sessionCount(idp, accountId)).toBe(2);

    const { config, tokens } = await signInToApp(other);
    const before = await accountRow(idp, person.email);
    const done = await browser.submit(account, {}, '/account/sign-out-everywhere');
    expect(done.url).toBe(`${idp.issuer}/signed-out`);
    expect(done.html).toContain('You are signed out');
    expect(await sessionCount(idp, accountId)).toBe(0);
    const after = await accountRow(idp, person.email);
    expect(new Date(after.sessions_valid_after).getTime()).toBeGreaterThan(
      new Date(before.sessions_valid_after).getTime(),
    );

    for (const b of [browser, other]) {
      const page = await b.get(`${idp.issuer}/account`);
      expect(page.html).toContain('<h1>Sign in</h1>');
    }
    // The app's tokens end with the sessions, even those issued a moment before.
    await expectTokensEnded(config, tokens);
    // Signing in again afterwards works at once.
    expect(isAccountPage(await signInAtIdp(idp, person, browser))).toBe(true);
  });

  /** In a browser signed in at the IdP: sign in to the third-party app (consenting), and redeem. */
  async function signInToApp(browser: BrowserlessClient) {
    const config = await discoverAsApp(idp.issuer, app);
    browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config, { scope: 'openid profile offline_access' });
    let page = await browser.get(request.url.toString());
    if (page.html.includes('/confirm')) page = await browser.submit(page, {}, '/confirm');
    const tokens = await redeem(config, request, page.url);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    return { config, tokens };
  }
});

async function expectTokensEnded(config: oidc.Configuration, tokens: oidc.TokenEndpointResponse) {
  expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  await expect(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toThrow();
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
}

/** The app names in the "Apps with access" list. */
function appsListed(html: string): string[] {
  const section = documentOf(html)
    .querySelectorAll('section')
    .find((s) => s.querySelector('h2')?.text === 'Apps with access');
  // Each app is the text of its item before the item's "Remove access" form.
  return (section?.querySelectorAll('li') ?? []).map((li) => li.firstChild?.text.trim() ?? '');
}

function isoDate(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString().slice(0, 10);
}
