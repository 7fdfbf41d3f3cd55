import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { accountRow, isAccountPage, sessionCount, signInAtIdp, signUpAtIdp } from '../support/idp-account.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { authorizationRequest, discoverAsApp } from '../support/oidc-client.ts';
import { expectTokensEnded, signInToPartnerApp } from '../support/partner-app-tokens.ts';
import { sharedIdp } from '../support/shared-idp.ts';

/**
 * J11: the password changes on the account page only with the right current one and a new one the
 * policy allows; then the new one works, the old one does not, and the other browsers are signed out.
 */
describe('J11: the account page changes the password with the current one', () => {
  const shared = sharedIdp();
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  beforeAll(() => {
    ({ idp, app } = shared);
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
    const { config, tokens } = await signInToPartnerApp(idp, app, other);
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
});
