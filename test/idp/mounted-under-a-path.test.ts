import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import mount from 'koa-mount';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../adapters/db/database.ts';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { connectionPool } from '../../adapters/db/statements.ts';
import { createLogger } from '../../adapters/log/logger.ts';
import { loadConfig } from '../../config/config.ts';
import { registerClient } from '../../idp/clients/clients.ts';
import { createIdp } from '../../idp/create-idp.ts';
import { createRateLimits, type RateLimits } from '../../idp/rate-limits/rate-limits.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createOidcAdapter } from '../../idp/storage/oidc-adapter.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { createTestDatabase } from '../support/database.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  redeem,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

describe('the IdP mounted under a path of a host Koa app', () => {
  let orm: Database;
  let limits: RateLimits;
  let server: Server;
  let issuer: string;

  beforeAll(async () => {
    const url = await createTestDatabase();
    orm = await openDatabase(idpSchema, { url, poolMax: 3 });
    limits = createRateLimits({ pool: await connectionPool(orm), schema: 'idp' });
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}/identity`;
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, IDP_ISSUER: issuer });
    const idp = await createIdp(config, {
      orm,
      logger: createLogger('silent', 'mounted'),
      rateLimits: limits,
      cookieSecrets: ['a-test-secret-that-is-long-enough-to-sign'],
    });
    const host = new Koa();
    // koa-mount runs the provider's middleware on the host's context: signed cookies need its keys.
    host.keys = idp.provider.keys;
    host.use(mount('/identity', idp.provider));
    host.use((ctx) => {
      ctx.body = 'the host app';
    });
    server = createServer(host.callback());
    await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  });
  afterAll(async () => {
    server.close();
    await orm.close(true);
  });

  it('publishes discovery with every endpoint under the mount path, and the host keeps its own routes', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.authorization_endpoint).toBe(`${issuer}/auth`);
    expect(discovery.jwks_uri).toBe(`${issuer}/jwks`);
    expect(await (await fetch(new URL('/elsewhere', issuer))).text()).toBe('the host app');
  });

  it('signs a person in through its pages under the mount path', async () => {
    const app = await registerClient(createOidcAdapter(orm), {
      name: 'Mounted app',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    const config = await discoverAsApp(issuer, app);
    const person = newPerson();
    const browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const signIn = await browser.get(request.url.toString());
    expect(new URL(signIn.url).pathname).toMatch(/^\/identity\/interaction\//);
    expect(signIn.html).toContain('href="/identity/interaction/');
    // An account made elsewhere (the CLI, a seed) signs in here.
    const { hashPassword } = await import('../../idp/accounts/accounts.ts');
    await orm.em.getConnection().execute(
      `insert into idp.account (id, email, email_verified, given_name, family_name, birthdate, password_hash,
         terms_accepted_at, sessions_valid_after, created_at, updated_at)
       values (gen_random_uuid(), ?, true, 'Ada', 'Lovelace', '1985-12-10', ?, now(), now() - interval '1 day', now(), now())`,
      [person.email, await hashPassword(person.password)],
    );
    const back = await browser.submit(signIn, { email: person.email, password: person.password }, '/login');
    expect(back.url.startsWith(TEST_REDIRECT_URI)).toBe(true);
    const tokens = await redeem(config, request, back.url);
    expect(tokens.claims()).toMatchObject({ iss: issuer, email: person.email });
  });
});
