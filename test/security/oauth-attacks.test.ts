import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  redeem,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

/** RFC 9700 attacks on the authorization code flow, each refused with nothing gained. */
describe('OAuth attacks on the IdP', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  let other: { client_id: string; client_secret: string };
  let config: oidc.Configuration;
  let browser: BrowserlessClient;

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({
      name: 'App',
      redirectUris: [TEST_REDIRECT_URI],
      postLogoutRedirectUris: ['http://127.0.0.1:9/bye'],
      firstParty: true,
    });
    other = await idp.registerClient({ name: 'Other', redirectUris: [TEST_REDIRECT_URI], firstParty: true });
    config = await discoverAsApp(idp.issuer, app);
    browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI, 'http://127.0.0.1:9/');
    const request = await authorizationRequest(config);
    await signUpFromSignIn(browser, await browser.get(request.url.toString()), idp.smtp, newPerson());
  });
  afterAll(() => idp.close());

  const codeFlow = async (configuration = config) => {
    const request = await authorizationRequest(configuration);
    const landed = (await browser.get(request.url.toString())).url;
    return { request, landed };
  };

  it.each([
    ['a prefix of it', 'http://127.0.0.1:9/callback/extra'],
    ['another port', 'http://127.0.0.1:10/callback'],
    ['another host', 'http://evil.example/callback'],
    ['a query added', 'http://127.0.0.1:9/callback?x=1'],
    ['a fragment added', 'http://127.0.0.1:9/callback#x'],
    ['a trailing slash', 'http://127.0.0.1:9/callback/'],
    ['another scheme', 'https://127.0.0.1:9/callback'],
  ])('refuses a redirect URI that is not exactly the registered one: %s', async (_name, redirectUri) => {
    const request = await authorizationRequest(config, { redirect_uri: redirectUri });
    const page = await browserlessClient().get(request.url.toString());
    expect(page.status).toBe(400);
    expect(page.html).toContain('redirect_uri did not match any of the client');
  });

  it('refuses PKCE plain', async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: TEST_REDIRECT_URI,
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    const page = await browser.get(url.toString());
    expect(new URL(page.url).searchParams.get('error_description')).toBe(
      'not supported value of code_challenge_method',
    );
  });

  it('a replayed code is refused and revokes the tokens the first use issued', async () => {
    const { request, landed } = await codeFlow();
    const tokens = await redeem(config, request, landed);
    await expect(redeem(config, request, landed)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('a code issued to one app is refused to another', async () => {
    const { request, landed } = await codeFlow();
    const otherConfig = await discoverAsApp(idp.issuer, other);
    await expect(redeem(otherConfig, request, landed)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a wrong PKCE verifier is refused', async () => {
    const { request, landed } = await codeFlow();
    const forged = { ...request, verifier: oidc.randomPKCECodeVerifier() };
    await expect(redeem(config, forged, landed)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('reusing a rotated refresh token revokes the whole family', async () => {
    const { request, landed } = await codeFlow();
    const tokens = await redeem(config, request, landed);
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await oidc.tokenIntrospection(config, rotated.access_token)).active).toBe(false);
  });

  it('logout with an unregistered post_logout_redirect_uri does not redirect there', async () => {
    const { request, landed } = await codeFlow();
    const tokens = await redeem(config, request, landed);
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://evil.example/',
    });
    const page = await browser.get(url.toString());
    expect(page.status).toBe(400);
    expect(page.html).toContain('post_logout_redirect_uri not registered');
  });

  it("logout with another app's id_token_hint and this app's client_id is refused", async () => {
    const otherConfig = await discoverAsApp(idp.issuer, other);
    const { request, landed } = await codeFlow(otherConfig);
    const tokens = await redeem(otherConfig, request, landed);
    const url = new URL(`${idp.issuer}/session/end`);
    url.searchParams.set('id_token_hint', tokens.id_token!);
    url.searchParams.set('client_id', app.client_id);
    const page = await browserlessClient().get(url.toString());
    expect(page.status).toBe(400);
    expect(page.html).toContain('client_id does not match the provided id_token_hint');
  });

  it('the tokens of a deleted account stop working', async () => {
    const doomed = browserlessClient();
    doomed.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const back = await signUpFromSignIn(
      doomed,
      await doomed.get(request.url.toString()),
      idp.smtp,
      newPerson(),
    );
    const tokens = await redeem(config, request, back.url);
    await idp.running.orm.em
      .getConnection()
      .execute(`delete from idp.account where id = ?`, [tokens.claims()!.sub]);
    await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).rejects.toMatchObject(
      {
        status: 401,
      },
    );
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});
