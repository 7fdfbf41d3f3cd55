import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  redeem,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

describe('the authorization code flow through the real pages', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({
      name: 'Partner App',
      redirectUris: [TEST_REDIRECT_URI],
      postLogoutRedirectUris: ['http://127.0.0.1:9/signed-out'],
    });
  });
  afterAll(() => idp.close());

  it('signs a new person up, asks consent, and issues tokens, userinfo, rotated refresh tokens', async () => {
    const config = await discoverAsApp(idp.issuer, app);
    const person = newPerson();
    const browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI, 'http://127.0.0.1:9/');
    const request = await authorizationRequest(config, { login_hint: person.email });

    const signIn = await browser.get(request.url.toString());
    expect(signIn.html).toContain('Sign up now');
    expect(signIn.html).toContain(`value="${person.email}"`);

    const consent = await signUpFromSignIn(browser, signIn, idp.smtp, person);
    expect(consent.html).toContain('Allow Partner App to access your account?');
    const back = await browser.submit(consent, {}, '/confirm');
    expect(back.url.startsWith(TEST_REDIRECT_URI)).toBe(true);
    expect(new URL(back.url).searchParams.get('iss')).toBe(idp.issuer);

    const tokens = await redeem(config, request, back.url);
    const claims = tokens.claims()!;
    expect(claims.email).toBe(person.email);
    expect(claims.email_verified).toBe(true);
    expect(claims.given_name).toBe('Ada');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ name: 'Ada Lovelace', family_name: 'Lovelace', birthdate: '1985-12-10' });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    await oidc.tokenRevocation(config, refreshed.access_token);
    const introspected = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(introspected.active).toBe(false);
  });

  it('signs the same person in again with their password, remembering consent', async () => {
    const config = await discoverAsApp(idp.issuer, app, 'client_secret_basic');
    const person = newPerson();
    const first = browserlessClient();
    first.stopAt.push(TEST_REDIRECT_URI);
    const one = await authorizationRequest(config);
    const consent = await signUpFromSignIn(first, await first.get(one.url.toString()), idp.smtp, person);
    await first.submit(consent, {}, '/confirm');

    const second = browserlessClient();
    second.stopAt.push(TEST_REDIRECT_URI);
    const two = await authorizationRequest(config);
    const signIn = await second.get(two.url.toString());
    const back = await second.submit(signIn, { email: person.email, password: person.password }, '/login');
    expect(back.url.startsWith(TEST_REDIRECT_URI)).toBe(true);
    const tokens = await redeem(config, two, back.url);
    expect(tokens.claims()!.email).toBe(person.email);
  });

  it('gives an unknown e-mail and a wrong password the same answer', async () => {
    const config = await discoverAsApp(idp.issuer, app);
    const browser = browserlessClient();
    const request = await authorizationRequest(config);
    const signIn = await browser.get(request.url.toString());
    const unknown = await browser.submit(
      signIn,
      { email: 'nobody@example.com', password: 'whatever-it-is' },
      '/login',
    );
    expect(unknown.status).toBe(401);
    expect(unknown.html).toContain('The e-mail or password is incorrect.');
  });

  it('ends with RP-initiated logout back to the registered post-logout URI', async () => {
    const config = await discoverAsApp(idp.issuer, app);
    const person = newPerson();
    const browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI, 'http://127.0.0.1:9/signed-out');
    const request = await authorizationRequest(config);
    const consent = await signUpFromSignIn(
      browser,
      await browser.get(request.url.toString()),
      idp.smtp,
      person,
    );
    const back = await browser.submit(consent, {}, '/confirm');
    const tokens = await redeem(config, request, back.url);

    const logoutUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://127.0.0.1:9/signed-out',
      state: 'bye',
    });
    const confirm = await browser.get(logoutUrl.toString());
    expect(confirm.html).toContain('Sign out');
    const done = await browser.submit(confirm, { logout: 'yes' });
    expect(done.url).toBe('http://127.0.0.1:9/signed-out?state=bye');

    const again = await authorizationRequest(config);
    const signIn = await browser.get(again.url.toString());
    expect(signIn.html).toContain('Sign in');
  });
});
