import { decodeJwt } from 'jose';
import type * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  type AuthorizationRequest,
  authorizationRequest,
  discoverAsApp,
  type NewPerson,
  newPerson,
  redeem,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

/** What a conformance suite's basic OP plan checks, through the same pages a person uses. */
describe('OpenID Connect Core behaviour of the IdP', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;
  let browser: BrowserlessClient;
  let person: NewPerson;

  beforeAll(async () => {
    idp = await startTestIdp();
    const app = await idp.registerClient({
      name: 'Conformance',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    config = await discoverAsApp(idp.issuer, app);
    browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI);
    person = newPerson();
    const request = await authorizationRequest(config);
    await signUpFromSignIn(browser, await browser.get(request.url.toString()), idp.smtp, person);
  });
  afterAll(() => idp.close());

  const authorize = async (
    extra: Record<string, string>,
  ): Promise<{ request: AuthorizationRequest; landed: string }> => {
    const request = await authorizationRequest(config, extra);
    const page = await browser.get(request.url.toString());
    return { request, landed: page.url || '' };
  };

  it('discovery advertises code + PKCE S256 only, the iss parameter and the supported claims', async () => {
    const metadata = config.serverMetadata();
    expect(metadata.response_types_supported).toEqual(['code', 'none']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.claims_supported).toEqual(
      expect.arrayContaining([
        'sub',
        'name',
        'given_name',
        'family_name',
        'birthdate',
        'gender',
        'email',
        'email_verified',
      ]),
    );
    expect(metadata.grant_types_supported).not.toContain('implicit');
  });

  it('the ID token carries iss, aud, exp, iat, nonce, auth_time (with max_age) and the profile and email claims', async () => {
    const { request, landed } = await authorize({ max_age: '3600' });
    const tokens = await redeem(config, request, landed);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: config.clientMetadata().client_id,
      nonce: request.nonce,
    });
    expect(claims.exp).toBeGreaterThan(claims.iat);
    expect(typeof claims.auth_time).toBe('number');
    expect(claims).toMatchObject({ email: person.email, email_verified: true, name: 'Ada Lovelace' });
  });

  it('in the code flow the ID token needs no at_hash or c_hash: both travel over the back channel (OIDC Core §3.1.3.6)', async () => {
    const { request, landed } = await authorize({});
    const claims = decodeJwt((await redeem(config, request, landed)).id_token!);
    expect(claims.c_hash).toBeUndefined();
    expect(claims.s_hash).toBeUndefined();
  });

  it('prompt=none with a session returns a code without any page', async () => {
    const { request, landed } = await authorize({ prompt: 'none' });
    expect(landed.startsWith(TEST_REDIRECT_URI)).toBe(true);
    expect((await redeem(config, request, landed)).claims()!.email).toBe(person.email);
  });

  it('prompt=none without a session answers login_required to the app', async () => {
    const stranger = browserlessClient();
    stranger.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config, { prompt: 'none' });
    const page = await stranger.get(request.url.toString());
    expect(new URL(page.url).searchParams.get('error')).toBe('login_required');
  });

  it('prompt=login asks for the password again even with a session, and auth_time moves', async () => {
    const first = await authorize({ max_age: '3600' });
    const before = (await redeem(config, first.request, first.landed)).claims()!.auth_time!;
    await new Promise((ok) => setTimeout(ok, 1100));
    const request = await authorizationRequest(config, { prompt: 'login', max_age: '3600' });
    const signIn = await browser.get(request.url.toString());
    expect(signIn.html).toContain('name="password"');
    const back = await browser.submit(signIn, { email: person.email, password: person.password }, '/login');
    const after = (await redeem(config, request, back.url)).claims()!.auth_time!;
    expect(after).toBeGreaterThan(before);
  });

  it('max_age=0 forces a fresh sign-in; a generous max_age does not', async () => {
    const fresh = await authorizationRequest(config, { max_age: '0' });
    expect((await browser.get(fresh.url.toString())).html).toContain('name="password"');
    const { landed } = await authorize({ max_age: '3600' });
    expect(landed.startsWith(TEST_REDIRECT_URI)).toBe(true);
  });

  it('ui_locales it does not support is ignored gracefully', async () => {
    const { request, landed } = await authorize({ ui_locales: 'tlh-Piqd fr-CA' });
    expect((await redeem(config, request, landed)).claims()!.sub).toBeTruthy();
  });

  it('login_hint pre-fills the e-mail on the sign-in page', async () => {
    const stranger = browserlessClient();
    const request = await authorizationRequest(config, { login_hint: 'someone@example.com' });
    const page = await stranger.get(request.url.toString());
    expect(page.html).toContain('value="someone@example.com"');
  });
});
