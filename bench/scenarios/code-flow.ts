import { createHash, randomBytes } from 'node:crypto';
import {
  CookieJar,
  expectStatus,
  type HttpTarget,
  pathOf,
  type Reply,
  redirectTarget,
} from '../http-client.ts';
import type { BenchAccount, BenchClient } from '../seed.ts';

/** What the app holds after a sign-in. */
export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly idToken: string;
}

/** `Authorization: Basic` for the app (RFC 6749 §2.3.1: id and secret form-encoded first). */
export function clientAuthorization(client: BenchClient): Record<string, string> {
  const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/**
 * The browser on the IdP's sign-in page: the interaction's path, the page, and requests sent with
 * this browser's cookies (what the IdP sets is kept).
 */
export interface SignInPage {
  readonly path: string;
  readonly html: string;
  get(path: string): Promise<Reply>;
  post(path: string, form: Record<string, string>): Promise<Reply>;
}

/**
 * How the person gets past the sign-in page: the forms they post, ending with the IdP's redirect
 * back to the authorization request (`/auth/:uid`).
 */
export type SignInProof = (page: SignInPage) => Promise<Reply>;

/** The e-mail and password form. */
export function withPassword(account: BenchAccount): SignInProof {
  return (page) =>
    page.post(`${page.path}/login`, {
      email: account.email,
      password: account.password,
      _csrf: csrfOf(page.html, '/login', 'sign-in page'),
    });
}

/** The `_csrf` of the page's form whose action ends with `actionEnd`. */
export function csrfOf(html: string, actionEnd: string, step: string): string {
  const form = new RegExp(`action="[^"]*${actionEnd}"[\\s\\S]*?name="_csrf" value="([^"]*)"`);
  const csrf = form.exec(html)?.[1];
  if (!csrf) throw new Error(`${step}: no _csrf in the ${actionEnd} form:\n${html.slice(0, 500)}`);
  return csrf;
}

/**
 * One person signing in to the app with a fresh browser, the whole authorization code flow as a
 * real client and browser do it: the app's authorization request with PKCE S256, state and nonce;
 * the sign-in page and its CSRF token; the forms of `proof` (the password form, for instance);
 * back to the app with the code; the code exchanged at the token endpoint with the verifier.
 * Every answer is checked.
 */
export async function signIn(idp: HttpTarget, client: BenchClient, proof: SignInProof): Promise<Tokens> {
  const request = authorizationRequest(client);
  const back = await signInAtIdp(idp, new CookieJar(), request.path, proof);
  const code = back.searchParams.get('code');
  if (back.searchParams.get('state') !== request.state || !code)
    throw new Error(`resume: no code for this state in ${back}`);
  return redeemCode(idp, client, code, request.verifier);
}

/** The app's authorization request (PKCE S256, state, nonce): its path at the IdP and its secrets. */
export function authorizationRequest(client: BenchClient) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: 'openid profile email',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    nonce: randomBytes(16).toString('base64url'),
  });
  return { path: `/auth?${authorize}`, state, verifier };
}

/**
 * The browser's part at the IdP: the authorization request (`authorizePath`), the sign-in page,
 * the forms of `proof`, the resume; returns where the IdP sends the browser back to (the app's
 * redirect URI with `code` and `state`). `browser` keeps the IdP's session afterwards.
 */
export async function signInAtIdp(
  idp: HttpTarget,
  browser: CookieJar,
  authorizePath: string,
  proof: SignInProof,
): Promise<URL> {
  const keep = (reply: Reply) => {
    browser.keep(reply);
    return reply;
  };
  const get = async (path: string) => keep(await idp.get(path, { headers: browser.header() }));
  const post = async (path: string, form: Record<string, string>) =>
    keep(await idp.post(path, { form, headers: browser.header() }));
  const interaction = pathOf(redirectTarget(await get(authorizePath), 'authorize'));
  const page = expectStatus(await get(interaction), 200, 'sign-in page');
  const signedIn = await proof({ path: interaction, html: page.body, get, post });
  const resume = pathOf(redirectTarget(signedIn, 'sign-in'));
  return redirectTarget(await get(resume), 'resume');
}

async function redeemCode(
  idp: HttpTarget,
  client: BenchClient,
  code: string,
  verifier: string,
): Promise<Tokens> {
  const reply = await idp.post('/token', {
    headers: clientAuthorization(client),
    form: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUri,
      code_verifier: verifier,
    },
  });
  const body = JSON.parse(expectStatus(reply, 200, 'token').body) as Record<string, string>;
  if (!body.access_token || !body.refresh_token || !body.id_token)
    throw new Error(`token: missing tokens in ${reply.body}`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token, idToken: body.id_token };
}
