import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  newPersonSignsIn,
  redeem,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

const REGISTRATION_TOKEN = 'initial-access-token-for-the-tests-0123456789';

describe('apps signing people in with the IdP', () => {
  let idp: TestIdp;
  let backchannel: Server;
  let backchannelUrl: string;
  const logoutTokens: string[] = [];

  beforeAll(async () => {
    idp = await startTestIdp({ REGISTRATION_ACCESS_TOKEN: REGISTRATION_TOKEN });
    backchannel = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((ok) => backchannel.listen(0, '127.0.0.1', ok));
    backchannelUrl = `http://127.0.0.1:${(backchannel.address() as { port: number }).port}/backchannel`;
  });
  afterAll(async () => {
    backchannel.close();
    await idp.close();
  });

  /** A new person signs up through `app` (consenting when asked); the tokens it gets. */
  async function signInAnew(app: { client_id: string; client_secret: string }) {
    const config = await discoverAsApp(idp.issuer, app);
    return { config, ...(await newPersonSignsIn(config, idp.smtp)) };
  }

  /** RP-initiated logout with `idToken` as the hint: the IdP's "sign out?" page. */
  function signOutPage(config: oidc.Configuration, browser: BrowserlessClient, idToken: string) {
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: 'http://127.0.0.1:9/bye',
    });
    return browser.get(url.toString());
  }

  /** Signed with `alg` by a key the IdP publishes. */
  async function expectSignedWith(jwt: string, alg: string, audience: string) {
    expect(decodeProtectedHeader(jwt).alg).toBe(alg);
    await jwtVerify(jwt, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
      audience,
      algorithms: [alg],
    });
  }

  it('a first-party app signs a new person in without a consent page, with client_secret_post', async () => {
    const app = await idp.registerClient({
      name: 'Portal',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
      authMethod: 'client_secret_post',
    });
    const config = await discoverAsApp(idp.issuer, app, 'client_secret_post');
    const browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const back = await signUpFromSignIn(
      browser,
      await browser.get(request.url.toString()),
      idp.smtp,
      newPerson(),
    );
    expect(back.url.startsWith(TEST_REDIRECT_URI)).toBe(true);
    const tokens = await redeem(config, request, back.url);
    expect(tokens.claims()!.email_verified).toBe(true);
    // First-party apps get ES256 ID tokens, several times cheaper to sign than RS256.
    await expectSignedWith(tokens.id_token!, 'ES256', app.client_id);
  });

  it('an app that registers itself, and one the operator registers as third party, get RS256 ID tokens', async () => {
    const created = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body: JSON.stringify({ redirect_uris: [TEST_REDIRECT_URI], client_name: 'Self-registered' }),
    });
    const selfRegistered = (await created.json()) as {
      client_id: string;
      client_secret: string;
      id_token_signed_response_alg: string;
    };
    // OpenID Connect Dynamic Client Registration's default when the app names none.
    expect(selfRegistered.id_token_signed_response_alg).toBe('RS256');
    const thirdParty = await idp.registerClient({ name: 'Partner', redirectUris: [TEST_REDIRECT_URI] });
    for (const app of [selfRegistered, thirdParty]) {
      const { tokens } = await signInAnew(app);
      await expectSignedWith(tokens.id_token!, 'RS256', app.client_id);
    }
  });

  it('an app re-registered from RS256 to ES256 gets ES256 ID tokens, and still signs out with an RS256 one from before', async () => {
    const registration = {
      name: 'Upgraded',
      clientId: 'upgraded-app',
      redirectUris: [TEST_REDIRECT_URI],
      postLogoutRedirectUris: ['http://127.0.0.1:9/bye'],
      firstParty: true,
    };
    const app = await idp.registerClient({ ...registration, idTokenAlg: 'RS256' });
    const { config, browser, tokens } = await signInAnew(app);
    await expectSignedWith(tokens.id_token!, 'RS256', app.client_id);

    // As the portal is re-registered on every start.
    await idp.registerClient({ ...registration, clientSecret: app.client_secret });
    // Each instance keeps client metadata for a few seconds (adapters/oidc/adapter.ts).
    let refreshToken = tokens.refresh_token!;
    await vi.waitFor(
      async () => {
        const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
        refreshToken = refreshed.refresh_token!;
        await expectSignedWith(refreshed.id_token!, 'ES256', app.client_id);
      },
      { timeout: 10_000, interval: 500 },
    );

    browser.stopAt.push('http://127.0.0.1:9/bye');
    const confirm = await signOutPage(config, browser, tokens.id_token!);
    expect(confirm.status, confirm.html).toBe(200);
    const out = await browser.submit(confirm, { logout: 'yes' });
    expect(out.url.startsWith('http://127.0.0.1:9/bye')).toBe(true);
  });

  it('an app registers itself with the initial access token, and only with it', async () => {
    const body = JSON.stringify({
      redirect_uris: ['https://self.example/cb'],
      client_name: 'Self-registered',
    });
    const headers = { 'content-type': 'application/json' };
    const refused = await fetch(`${idp.issuer}/reg`, { method: 'POST', headers, body });
    expect(refused.status).toBe(401);
    const created = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body,
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { client_id: string }).client_id).toBeTruthy();
  });

  it('a self-registered app cannot make itself first-party to skip consent', async () => {
    const response = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body: JSON.stringify({ redirect_uris: ['https://self.example/cb'], first_party: true }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });

  it("a self-registered app cannot make itself a resource server allowed to introspect another app's tokens", async () => {
    const registered = () =>
      idp.running.orm.em
        .getConnection()
        .execute(
          `select 1 from idp.oidc_payload where model = 'Client' and payload->'introspects_for' is not null`,
        );
    const before = (await registered()).length;
    const response = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body: JSON.stringify({
        redirect_uris: ['https://self.example/cb'],
        introspects_for: ['gatehouse-portal'],
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'introspects_for cannot be registered dynamically',
    });
    expect((await registered()).length).toBe(before);
  });

  it('signing out at the IdP notifies the app over the back channel with a signed logout token', async () => {
    const app = await idp.registerClient({
      name: 'Listening app',
      redirectUris: [TEST_REDIRECT_URI],
      postLogoutRedirectUris: ['http://127.0.0.1:9/bye'],
      backchannelLogoutUri: backchannelUrl,
      firstParty: true,
    });
    const { config, browser, tokens } = await signInAnew(app);
    browser.stopAt.push('http://127.0.0.1:9/bye');
    await browser.submit(await signOutPage(config, browser, tokens.id_token!), { logout: 'yes' });
    await vi.waitFor(() => expect(logoutTokens).toHaveLength(1), { timeout: 3000 });
    // Logout tokens are signed with the client's ID token algorithm: ES256 for a first-party app.
    expect(decodeProtectedHeader(logoutTokens[0]!)).toMatchObject({ alg: 'ES256', typ: 'logout+jwt' });
    const { payload } = await jwtVerify(logoutTokens[0]!, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
      audience: app.client_id,
    });
    expect(payload.sub).toBe(tokens.claims()!.sub);
    expect(payload.sid).toBe(tokens.claims()!.sid);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
  });

  it('refuses an authorization request without PKCE', async () => {
    const app = await idp.registerClient({ name: 'No PKCE', redirectUris: [TEST_REDIRECT_URI] });
    const config = await discoverAsApp(idp.issuer, app);
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: TEST_REDIRECT_URI, scope: 'openid' });
    const browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI);
    const page = await browser.get(url.toString());
    const error = new URL(page.url).searchParams;
    expect(error.get('error')).toBe('invalid_request');
    expect(error.get('error_description')).toBe(
      'Authorization Server policy requires PKCE to be used for this request',
    );
  });
});
