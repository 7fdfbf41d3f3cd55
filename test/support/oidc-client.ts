import * as oidc from 'openid-client';
import { type BrowserlessClient, browserlessClient, type Page } from './browserless-client.ts';
import { linkTo } from './html-page.ts';
import type { CapturedMail, SmtpCapture } from './smtp-capture.ts';

/** The redirect URI test apps register: nothing listens there, the client stops before fetching it. */
export const TEST_REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** An app that knows only the discovery URL and its credentials, as any standard OIDC client would. */
export async function discoverAsApp(
  issuer: string,
  client: { client_id: string; client_secret: string },
  auth: 'client_secret_basic' | 'client_secret_post' = 'client_secret_basic',
): Promise<oidc.Configuration> {
  const method = auth === 'client_secret_post' ? oidc.ClientSecretPost : oidc.ClientSecretBasic;
  return oidc.discovery(
    new URL(issuer),
    client.client_id,
    client.client_secret,
    method(client.client_secret),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

/** An authorization code request with PKCE S256, state and nonce (RFC 9700 §2.1.1). */
export async function authorizationRequest(
  config: oidc.Configuration,
  extra: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: TEST_REDIRECT_URI,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Exchange the code the browser came back with. */
export function redeem(config: oidc.Configuration, request: AuthorizationRequest, callbackUrl: string) {
  return oidc.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
}

export interface NewPerson {
  readonly email: string;
  readonly password: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly birthdate: string;
}

let counter = 0;
/** A person who does not have an account yet. */
export function newPerson(overrides: Partial<NewPerson> = {}): NewPerson {
  counter += 1;
  return {
    email: `ada.${Date.now().toString(36)}${counter}@example.com`,
    password: 'correct horse battery staple 42',
    givenName: 'Ada',
    familyName: 'Lovelace',
    birthdate: '1985-12-10',
    ...overrides,
  };
}

/** The 6-digit code of the latest verification mail sent to `email`. */
export async function verificationCode(smtp: SmtpCapture, email: string): Promise<string> {
  const mail: CapturedMail = await smtp.waitForMail((m) => m.to === email && /\b\d{6}\b/.test(m.text));
  return /\b(\d{6})\b/.exec(mail.text)![1]!;
}

/** From the sign-in page: "Sign up now", fill the form, enter the e-mailed code. Returns the page after. */
export async function signUpFromSignIn(
  browser: BrowserlessClient,
  signIn: Page,
  smtp: SmtpCapture,
  person: NewPerson,
): Promise<Page> {
  const signUp = await browser.get(linkTo(signIn, 'Sign up now'));
  const verify = await browser.submit(signUp, {
    givenName: person.givenName,
    familyName: person.familyName,
    email: person.email,
    password: person.password,
    birthdate: person.birthdate,
    gender: '',
    acceptTerms: 'yes',
  });
  if (!verify.html.includes('Verify your e-mail'))
    throw new Error(`sign-up did not reach verification:\n${verify.html}`);
  return browser.submit(verify, { code: await verificationCode(smtp, person.email) }, '/verify');
}

/**
 * A new person signs up from the app's authorization request (consenting when asked) and the app
 * redeems the code: what an app gets the first time someone uses it.
 */
export async function newPersonSignsIn(
  config: oidc.Configuration,
  smtp: SmtpCapture,
  person: NewPerson = newPerson(),
) {
  const browser = browserlessClient();
  browser.stopAt.push(TEST_REDIRECT_URI);
  const request = await authorizationRequest(config);
  let back = await signUpFromSignIn(browser, await browser.get(request.url.toString()), smtp, person);
  if (!back.url.startsWith(TEST_REDIRECT_URI)) back = await browser.submit(back, {}, '/confirm');
  return { browser, person, tokens: await redeem(config, request, back.url) };
}
