import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSigningKeys } from '../../idp/keys/signing-keys.ts';
import { createOidcAdapter } from '../../idp/storage/oidc-adapter.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPersonSignsIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

const run = promisify(execFile);

/** `npm run cli -- …` as an operator runs it, against the test database. */
function cli(databaseUrl: string, ...args: string[]) {
  return run(process.execPath, ['cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
  });
}

describe('the command line', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());

  it('client add registers an app that can start a sign-in, and prints its credentials as JSON', async () => {
    const { stdout } = await cli(
      idp.databaseUrl,
      'client',
      'add',
      '--name',
      'Other App',
      '--redirect-uri',
      'https://other.example/callback',
      '--json',
    );
    const client = JSON.parse(stdout);
    expect(client.client_id).toMatch(/^[\w-]{16}$/);
    expect(client.client_secret.length).toBeGreaterThanOrEqual(43);

    const config = await discoverAsApp(idp.issuer, client);
    const signIn = await browserlessClient().get((await authorizationRequest(config, {})).url.toString());
    // The registered redirect URI is not ours: the provider refuses before a page when it does not match.
    expect(signIn.status).toBe(400);
    const page = await browserlessClient().get(
      (await authorizationRequest(config, { redirect_uri: 'https://other.example/callback' })).url.toString(),
    );
    expect(page.html).toContain('to continue to <strong>Other App</strong>');
  });

  it('client add prints both values as plain text without --json', async () => {
    const { stdout } = await cli(
      idp.databaseUrl,
      'client',
      'add',
      '--name',
      'Plain',
      '--redirect-uri',
      'https://p.example/cb',
    );
    expect(stdout).toMatch(/^client_id: \S+\nclient_secret: \S+\n$/);
  });

  it('client add refuses a bad redirect URI, naming it, and registers nothing', async () => {
    const before = await idp.running.orm.em
      .getConnection()
      .execute(`select count(*)::int as n from idp.oidc_payload where model = 'Client'`);
    const failure = await cli(
      idp.databaseUrl,
      'client',
      'add',
      '--name',
      'Bad',
      '--redirect-uri',
      'not a url',
    ).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('redirectUris.0');
    const after = await idp.running.orm.em
      .getConnection()
      .execute(`select count(*)::int as n from idp.oidc_payload where model = 'Client'`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('client add signs ID tokens with ES256 for a first-party app, RS256 for another, unless --id-token-alg', async () => {
    const add = async (...options: string[]) => {
      const { stdout } = await cli(idp.databaseUrl, 'client', 'add', '--name', 'Alg', ...options, '--json');
      const { client_id } = JSON.parse(stdout) as { client_id: string };
      const metadata = await new (createOidcAdapter(idp.running.orm))('Client').find(client_id);
      return metadata?.id_token_signed_response_alg;
    };
    const uri = ['--redirect-uri', 'https://alg.example/cb'];
    expect(await add(...uri, '--first-party')).toBe('ES256');
    expect(await add(...uri)).toBe('RS256');
    expect(await add(...uri, '--first-party', '--id-token-alg', 'RS256')).toBe('RS256');
    const failure = await cli(
      idp.databaseUrl,
      'client',
      'add',
      '--name',
      'Alg',
      ...uri,
      '--id-token-alg',
      'HS256',
    ).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('idTokenAlg');
  });

  it("client add --introspects-for makes a resource server that introspects that app's tokens; a malformed id is refused", async () => {
    const app = await idp.registerClient({
      name: 'Owner',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    const appConfig = await discoverAsApp(idp.issuer, app);
    const { tokens } = await newPersonSignsIn(appConfig, idp.smtp);
    const add = (...ids: string[]) =>
      cli(
        idp.databaseUrl,
        'client',
        'add',
        '--name',
        'API',
        '--redirect-uri',
        'https://api.example/unused',
        ...ids.flatMap((id) => ['--introspects-for', id]),
        '--json',
      );
    const api = JSON.parse((await add('some-other-app', app.client_id)).stdout);
    expect(
      await oidc.tokenIntrospection(await discoverAsApp(idp.issuer, api), tokens.access_token),
    ).toMatchObject({
      active: true,
      client_id: app.client_id,
    });
    const plain = JSON.parse((await add()).stdout);
    expect(
      await oidc.tokenIntrospection(await discoverAsApp(idp.issuer, plain), tokens.access_token),
    ).toEqual({
      active: false,
    });

    const count = async () =>
      (
        await idp.running.orm.em
          .getConnection()
          .execute(`select count(*)::int as n from idp.oidc_payload where model = 'Client'`)
      )[0]!.n;
    const before = await count();
    const failure = await add('not a client id').catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('introspectsFor.0: Enter the client_id of a registered app.');
    expect(await count()).toBe(before);
  });

  it('keys rotate adds a new RS256 and ES256 key that the running IdP publishes and signs with, keeping the old ones published', async () => {
    const before = await loadSigningKeys(idp.running.orm);
    expect(before.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    const { stdout } = await cli(idp.databaseUrl, 'keys', 'rotate');
    const rs256 = /New RS256 signing key: (\S+)/.exec(stdout)![1]!;
    const es256 = /New ES256 signing key: (\S+)/.exec(stdout)![1]!;
    const old = before.keys.map((k) => k.kid);
    const after = (await loadSigningKeys(idp.running.orm)).keys.map((k) => k.kid);
    expect(after.slice(0, 2).sort()).toEqual([rs256, es256].sort());
    expect(after.slice(2)).toEqual(old);

    const published = async () =>
      ((await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map(
        (k) => k.kid,
      );
    await vi.waitFor(async () => expect(await published()).toEqual(after), { timeout: 5000 });
    const signedWith = async (firstParty: boolean) => {
      const app = await idp.registerClient({ name: 'Signed', redirectUris: [TEST_REDIRECT_URI], firstParty });
      const { tokens } = await newPersonSignsIn(await discoverAsApp(idp.issuer, app), idp.smtp);
      return decodeProtectedHeader(tokens.id_token!);
    };
    expect(await signedWith(true)).toMatchObject({ alg: 'ES256', kid: es256 });
    expect(await signedWith(false)).toMatchObject({ alg: 'RS256', kid: rs256 });
  });

  it('account disable ends the account: its tokens stop working, it cannot sign in; an unknown address changes nothing', async () => {
    const app = await idp.registerClient({
      name: 'Disabled app',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    const config = await discoverAsApp(idp.issuer, app);
    const { person, tokens } = await newPersonSignsIn(config, idp.smtp);
    const unknown = await cli(idp.databaseUrl, 'account', 'disable', '--email', 'nobody@example.com').catch(
      (e) => e,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No account has the address nobody@example.com.');
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    const { stdout } = await cli(idp.databaseUrl, 'account', 'disable', '--email', person.email);
    expect(stdout).toContain('is disabled');
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const browser = browserlessClient();
    const signIn = await browser.get((await authorizationRequest(config)).url.toString());
    const refused = await browser.submit(
      signIn,
      { email: person.email, password: person.password },
      '/login',
    );
    expect(refused.html).toContain('The e-mail or password is incorrect.');
  });

  it('an unknown command prints the usage and fails', async () => {
    const failure = await cli(idp.databaseUrl, 'frobnicate').catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('Usage: npm run cli');
  });
});
