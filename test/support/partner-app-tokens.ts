import * as oidc from 'openid-client';
import { expect } from 'vitest';
import type { BrowserlessClient } from './browserless-client.ts';
import type { TestIdp } from './idp-instance.ts';
import { authorizationRequest, discoverAsApp, redeem, TEST_REDIRECT_URI } from './oidc-client.ts';

/**
 * In a browser signed in at the IdP: sign in to the third-party `app` (consenting when asked) and
 * redeem the code, offline access included; the tokens are checked live before they are returned.
 */
export async function signInToPartnerApp(
  idp: TestIdp,
  app: { client_id: string; client_secret: string },
  browser: BrowserlessClient,
) {
  const config = await discoverAsApp(idp.issuer, app);
  browser.stopAt.push(TEST_REDIRECT_URI);
  const request = await authorizationRequest(config, { scope: 'openid profile offline_access' });
  let page = await browser.get(request.url.toString());
  if (page.html.includes('/confirm')) page = await browser.submit(page, {}, '/confirm');
  const tokens = await redeem(config, request, page.url);
  expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
  return { config, tokens };
}

/** The app's tokens are over: the access token inactive and refused at UserInfo, the refresh token invalid. */
export async function expectTokensEnded(config: oidc.Configuration, tokens: oidc.TokenEndpointResponse) {
  expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  await expect(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toThrow();
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
}
