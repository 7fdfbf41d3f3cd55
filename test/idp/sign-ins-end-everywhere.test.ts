import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  type NewPerson,
  newPerson,
  redeem,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { organizationAdmin, usernameOf } from '../support/portal-people.ts';

/**
 * J13: whatever ends a person's sign-ins at the IdP — Sign out everywhere, a password change or
 * reset, an app's access removed, Delete account — ends them in every app: the IdP tells each
 * app that had a session or grant of the person (OpenID Connect Back-Channel Logout 1.0), durably,
 * and the tokens apps hold stop working at once.
 */
describe('ending sign-ins at the IdP ends them in every app', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let app: oidc.Configuration;

  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    const registered = await idp.registerClient({
      name: 'Other app',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    app = await discoverAsApp(idp.issuer, registered);
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  let organizations = 0;
  /** A new administrator, signed in at the portal in one browser. */
  const administrator = () => organizationAdmin(idp, portal, `Contoso ${++organizations}`);

  /** A second browser of the same person, signed in at the portal (and so at the IdP). */
  const secondBrowser = async (person: NewPerson) => {
    const browser = browserlessClient();
    const signIn = await browser.get(`${portal.url}/sign-in`);
    const home = await browser.submit(signIn, { email: person.email, password: person.password }, '/login');
    expect(usernameOf(home)).toBeDefined();
    return browser;
  };

  /** The other app's tokens for the person signed in in `browser`. */
  const appTokens = async (browser: BrowserlessClient) => {
    browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(app);
    const landed = (await browser.get(request.url.toString())).url;
    return redeem(app, request, landed);
  };

  const signedInAtPortal = async (browser: BrowserlessClient) =>
    usernameOf(await browser.get(`${portal.url}/`)) !== undefined;

  /** The portal refuses the session on one of the next requests (the logout is on its way). */
  const portalSessionEnds = (browser: BrowserlessClient) =>
    expect.poll(() => signedInAtPortal(browser), { timeout: 10_000, interval: 50 }).toBe(false);

  const accountPage = (browser: BrowserlessClient): Promise<Page> => browser.get(`${idp.issuer}/account`);

  const tokensAreDead = async (tokens: oidc.TokenEndpointResponse) => {
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(app, tokens.access_token, oidc.skipSubjectCheck)).rejects.toBeDefined();
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  };

  it('Sign out everywhere: both browsers are refused by the portal, and the tokens of another app stop working', async () => {
    const admin = await administrator();
    const other = await secondBrowser(admin.person);
    const tokens = await appTokens(other);
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(true);

    const done = await admin.browser.submit(
      await accountPage(admin.browser),
      {},
      '/account/sign-out-everywhere',
    );
    expect(done.url, `${done.status} ${done.html.slice(0, 3000)}`).toBe(`${idp.issuer}/signed-out`);
    await portalSessionEnds(admin.browser);
    await portalSessionEnds(other);
    await tokensAreDead(tokens);
  });

  it('a password change ends the portal sessions of the other browsers, not of the one that changed it', async () => {
    const admin = await administrator();
    const other = await secondBrowser(admin.person);
    const changed = await admin.browser.submit(
      await accountPage(admin.browser),
      { currentPassword: admin.person.password, newPassword: 'a brand new passphrase 7' },
      '/account/password',
    );
    expect(changed.html).toContain('Your password is changed.');
    await portalSessionEnds(other);
    expect(await signedInAtPortal(admin.browser)).toBe(true);
  });

  it('removing an app’s access ends that app’s sessions of the person and its tokens', async () => {
    const admin = await administrator();
    const tokens = await appTokens(admin.browser);
    const settings = await accountPage(admin.browser);
    expect(settings.html).toContain('CustomerSource');
    await admin.browser.submit(settings, { clientId: 'gatehouse-portal' }, '/account/apps/revoke');
    await portalSessionEnds(admin.browser);
    // Only the portal's access was removed: the other app keeps working.
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(true);
  });

  it('Delete account: refused without the password or the confirmation, changing nothing; then the account, its sessions and tokens go, and the address can sign up again', async () => {
    const admin = await administrator();
    const tokens = await appTokens(admin.browser);
    const settings = await accountPage(admin.browser);
    expect(settings.html).toContain('Delete account');

    const unconfirmed = await admin.browser.submit(
      settings,
      { deletePassword: admin.person.password },
      '/account/delete',
    );
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.html).toContain('Tick the box to confirm');
    const wrong = await admin.browser.submit(
      settings,
      { deletePassword: 'not my password', confirm: 'yes' },
      '/account/delete',
    );
    expect(wrong.status).toBe(401);
    expect(await signedInAtPortal(admin.browser)).toBe(true);
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(true);

    const gone = await admin.browser.submit(
      settings,
      { deletePassword: admin.person.password, confirm: 'yes' },
      '/account/delete',
    );
    expect(gone.url).toBe(`${idp.issuer}/signed-out`);
    await portalSessionEnds(admin.browser);
    await tokensAreDead(tokens);
    const [row] = await idp.running.orm.em
      .getConnection()
      .execute<{ n: number }[]>(`select count(*)::int as n from idp.account where email = ?`, [
        admin.person.email.toLowerCase(),
      ]);
    expect(row?.n).toBe(0);

    const again = browserlessClient();
    const signIn = await again.get(`${portal.url}/sign-in`);
    const refused = await again.submit(
      signIn,
      { email: admin.person.email, password: admin.person.password },
      '/login',
    );
    expect(refused.html).toContain('The e-mail or password is incorrect.');
    await signUpFromSignIn(again, refused, idp.smtp, newPerson({ email: admin.person.email }));
    const [renewed] = await idp.running.orm.em
      .getConnection()
      .execute<{ n: number }[]>(`select count(*)::int as n from idp.account where email = ?`, [
        admin.person.email.toLowerCase(),
      ]);
    expect(renewed?.n).toBe(1);
  });

  it('a logout an app never accepts is given up after the retry window, logged and counted', async () => {
    const lost = await startTestIdp({}, { logouts: { giveUpAfterSeconds: 1 } });
    try {
      const dead = await lost.registerClient({
        name: 'Gone app',
        redirectUris: [TEST_REDIRECT_URI],
        // Nothing listens on port 9.
        backchannelLogoutUri: 'http://127.0.0.1:9/backchannel-logout',
        firstParty: true,
      });
      const config = await discoverAsApp(lost.issuer, dead);
      const browser = browserlessClient();
      browser.stopAt.push(TEST_REDIRECT_URI);
      const request = await authorizationRequest(config);
      await signUpFromSignIn(browser, await browser.get(request.url.toString()), lost.smtp, newPerson());
      await browser.submit(await browser.get(`${lost.issuer}/account`), {}, '/account/sign-out-everywhere');
      const conn = lost.running.orm.em.getConnection();
      expect((await conn.execute(`select id from idp.backchannel_logout`)).length).toBeGreaterThan(0);
      await expect
        .poll(async () => (await conn.execute(`select id from idp.backchannel_logout`)).length, {
          timeout: 10_000,
        })
        .toBe(0);
      const metrics = await (await fetch(`${lost.issuer}/metrics`)).text();
      expect(metrics).toMatch(/^idp_backchannel_logouts_given_up_total [1-9]/m);
    } finally {
      await lost.close();
    }
  });
  // Last: the portal starts again, registered anew.
  it('the portal was down while the person signed out everywhere: once it is back, the logout arrives and the old session is refused', async () => {
    const admin = await administrator();
    expect(await signedInAtPortal(admin.browser)).toBe(true);
    const port = Number(new URL(portal.url).port);
    await portal.close();

    await admin.browser.submit(await accountPage(admin.browser), {}, '/account/sign-out-everywhere');
    const [queued] = await idp.running.orm.em
      .getConnection()
      .execute<{ attempts: number }[]>(`select attempts from idp.backchannel_logout`, [], 'all');
    expect(queued).toBeDefined();
    await expect
      .poll(
        async () =>
          (
            await idp.running.orm.em
              .getConnection()
              .execute<{ attempts: number }[]>(`select max(attempts) as attempts from idp.backchannel_logout`)
          )[0]?.attempts,
        { timeout: 5_000 },
      )
      .toBeGreaterThan(0);

    portal = await startTestPortal(idp, {}, { port });
    await portalSessionEnds(admin.browser);
    await expect
      .poll(
        async () =>
          (await idp.running.orm.em.getConnection().execute(`select id from idp.backchannel_logout`)).length,
      )
      .toBe(0);
  });
});
