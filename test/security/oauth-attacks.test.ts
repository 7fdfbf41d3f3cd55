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

  const tokensOf = async (configuration: oidc.Configuration) => {
    const { request, landed } = await codeFlow(configuration);
    return redeem(configuration, request, landed);
  };

  describe('introspection and revocation answer a client only for its own tokens (RFC 7662 §4, RFC 7009 §2.1)', () => {
    it("another app introspecting an app's access or refresh token learns nothing: {active: false}", async () => {
      const tokens = await tokensOf(config);
      const otherConfig = await discoverAsApp(idp.issuer, other);
      for (const token of [tokens.access_token, tokens.refresh_token!]) {
        expect(await oidc.tokenIntrospection(otherConfig, token)).toEqual({ active: false });
        expect(await oidc.tokenIntrospection(config, token)).toMatchObject({
          active: true,
          client_id: app.client_id,
          sub: tokens.claims()!.sub,
        });
      }
    });

    it("another app revoking an app's tokens is answered 200 and changes nothing: they keep working for their app", async () => {
      const tokens = await tokensOf(config);
      const otherConfig = await discoverAsApp(idp.issuer, other);
      await oidc.tokenRevocation(otherConfig, tokens.access_token);
      await oidc.tokenRevocation(otherConfig, tokens.refresh_token!);
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
      const claims = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      expect(claims.sub).toBe(tokens.claims()!.sub);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      // The app revoking its own token does end it.
      await oidc.tokenRevocation(config, refreshed.access_token);
      expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
    });

    it("a resource server the operator named for an app introspects that app's tokens, and no other app's; it revokes none of them", async () => {
      const api = await idp.registerClient({
        name: 'API',
        redirectUris: ['https://api.example/unused'],
        introspectsFor: [app.client_id],
      });
      const apiConfig = await discoverAsApp(idp.issuer, api);
      const tokens = await tokensOf(config);
      expect(await oidc.tokenIntrospection(apiConfig, tokens.access_token)).toMatchObject({
        active: true,
        client_id: app.client_id,
        sub: tokens.claims()!.sub,
      });
      const otherConfig = await discoverAsApp(idp.issuer, other);
      const others = await tokensOf(otherConfig);
      expect(await oidc.tokenIntrospection(apiConfig, others.access_token)).toEqual({ active: false });
      await oidc.tokenRevocation(apiConfig, tokens.access_token);
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    });

    it('registering a resource server for a malformed client_id is refused, naming the field, and registers nothing', async () => {
      const refused = await idp
        .registerClient({
          name: 'Bad API',
          clientId: 'bad-api',
          redirectUris: ['https://api.example/unused'],
          introspectsFor: ['not a client id'],
        })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({
        code: 'INVALID_INPUT',
        fields: { 'introspectsFor.0': expect.any(String) },
      });
      const rows = await idp.running.orm.em
        .getConnection()
        .execute(`select 1 from idp.oidc_payload where model = 'Client' and id = 'bad-api'`);
      expect(rows).toHaveLength(0);
    });
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
