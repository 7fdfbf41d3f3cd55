import { CookieJar, expectStatus, type HttpTarget, pathOf, redirectTarget } from './http-client.ts';
import { authorizationRequest, csrfOf, signInAtIdp, withPassword } from './scenarios/code-flow.ts';
import type { BenchAccount, BenchClient } from './seed.ts';
import { type SoftwareAuthenticator, softwareAuthenticator } from './software-authenticator.ts';

/**
 * Give each account a passkey the way a person does, over HTTP at the running IdP: sign in with
 * the password (a fresh sign-in, as adding a passkey asks), Add a passkey, the options, the
 * software authenticator's answer. Returns each account's authenticator, in the accounts' order.
 * `issuer` is the IdP's public origin, the only one its WebAuthn checks accept.
 */
export async function registerPasskeys(
  idp: HttpTarget,
  client: BenchClient,
  issuer: string,
  accounts: readonly BenchAccount[],
): Promise<SoftwareAuthenticator[]> {
  return Promise.all(accounts.map((account) => registerPasskey(idp, client, issuer, account)));
}

async function registerPasskey(
  idp: HttpTarget,
  client: BenchClient,
  issuer: string,
  account: BenchAccount,
): Promise<SoftwareAuthenticator> {
  const browser = new CookieJar();
  await signInAtIdp(idp, browser, authorizationRequest(client).path, withPassword(account));
  const send = async (reply: Promise<Awaited<ReturnType<HttpTarget['get']>>>) => {
    const answer = await reply;
    browser.keep(answer);
    return answer;
  };
  const page = expectStatus(
    await send(idp.get('/account/passkeys/new', { headers: browser.header() })),
    200,
    'add a passkey',
  );
  const _csrf = csrfOf(page.body, '/account/passkeys', 'add a passkey');
  const options = expectStatus(
    await send(idp.post('/account/passkeys/options', { form: { _csrf }, headers: browser.header() })),
    200,
    'passkey registration options',
  );
  const authenticator = softwareAuthenticator(issuer);
  const response = JSON.stringify(authenticator.register(JSON.parse(options.body)));
  const added = await send(
    idp.post('/account/passkeys', {
      form: { _csrf, name: 'Bench key', response },
      headers: browser.header(),
    }),
  );
  const done = pathOf(redirectTarget(added, 'add a passkey'));
  if (!done.includes('done=passkey-added')) throw new Error(`add a passkey: sent to ${done}`);
  return authenticator;
}
