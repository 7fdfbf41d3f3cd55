import { createHash, randomBytes } from 'node:crypto';
import { CookieJar, expectStatus, type HttpTarget, pathOf, redirectTarget } from '../http-client.ts';
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
 * One person signing in to the app with a fresh browser, the whole authorization code flow as a
 * real client and browser do it: the app's authorization request with PKCE S256, state and nonce;
 * the sign-in page and its CSRF token; the password form; back to the app with the code; the code
 * exchanged at the token endpoint with the verifier. Every answer is checked.
 */
export async function signIn(idp: HttpTarget, client: BenchClient, account: BenchAccount): Promise<Tokens> {
  const browser = new CookieJar();
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
  const back = await signInAtIdp(idp, browser, `/auth?${authorize}`, account);
  const code = back.searchParams.get('code');
  if (back.searchParams.get('state') !== state || !code)
    throw new Error(`resume: no code for this state in ${back}`);
  return redeemCode(idp, client, code, verifier);
}

/**
 * The browser's part at the IdP: the authorization request (`authorizePath`), the sign-in page and
 * its CSRF token, the password form, the resume; returns where the IdP sends the browser back to
 * (the app's redirect URI with `code` and `state`).
 */
export async function signInAtIdp(
  idp: HttpTarget,
  browser: CookieJar,
  authorizePath: string,
  account: BenchAccount,
): Promise<URL> {
  const go = async (send: () => ReturnType<HttpTarget['get']>) => {
    const reply = await send();
    browser.keep(reply);
    return reply;
  };
  const toInteraction = await go(() => idp.get(authorizePath, { headers: browser.header() }));
  const interaction = pathOf(redirectTarget(toInteraction, 'authorize'));
  const page = expectStatus(
    await go(() => idp.get(interaction, { headers: browser.header() })),
    200,
    'sign-in page',
  );
  const csrf = /action="[^"]*\/login"[\s\S]*?name="_csrf" value="([^"]*)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error(`sign-in page: no _csrf in the login form:\n${page.body.slice(0, 500)}`);
  const form = { email: account.email, password: account.password, _csrf: csrf };
  const loggedIn = await go(() => idp.post(`${interaction}/login`, { form, headers: browser.header() }));
  const resume = pathOf(redirectTarget(loggedIn, 'sign-in'));
  return redirectTarget(await go(() => idp.get(resume, { headers: browser.header() })), 'resume');
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
