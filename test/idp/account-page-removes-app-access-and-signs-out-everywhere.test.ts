import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { documentOf } from '../support/html-page.ts';
import {
  accountRow,
  isAccountPage,
  query,
  sessionCount,
  signInAtIdp,
  signUpAtIdp,
} from '../support/idp-account.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { authorizationRequest, discoverAsApp, redeem, TEST_REDIRECT_URI } from '../support/oidc-client.ts';
import { expectTokensEnded, signInToPartnerApp } from '../support/partner-app-tokens.ts';
import { sharedIdp } from '../support/shared-idp.ts';

/**
 * J11: the account page lists the apps with access and "Remove access" ends an app's grant and
 * tokens (a consent given stays remembered until then); "Sign out everywhere" ends every session.
 */
describe('J11: the account page removes an app’s access and signs out everywhere', () => {
  const shared = sharedIdp();
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  beforeAll(() => {
    ({ idp, app } = shared);
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

    const { config, tokens } = await signInToPartnerApp(idp, app, other);
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
});

/** The app names in the "Apps with access" list. */
function appsListed(html: string): string[] {
  const section = documentOf(html)
    .querySelectorAll('section')
    .find((s) => s.querySelector('h2')?.text === 'Apps with access');
  // Each app is the text of its item before the item's "Remove access" form.
  return (section?.querySelectorAll('li') ?? []).map((li) => li.firstChild?.text.trim() ?? '');
}
