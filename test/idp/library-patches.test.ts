import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { Context } from 'koa';
import Provider, { type Adapter, type AdapterPayload, type Session } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithoutSsrfGuard } from '../../idp/patches/fetch-without-ssrf-guard.ts';
import { acceptIdTokenHintsOfEveryAlg } from '../../idp/patches/id-token-hint-algorithms.ts';
import { browserSession, renewBrowserSession } from '../../idp/patches/provider-session.ts';
import { providerConfiguration } from '../../idp/provider/configuration.ts';

/**
 * The internals of oidc-provider that idp/provider/patches/ and idp/storage/token-finder.ts lean
 * on, exercised on a bare provider (our configuration, an in-memory adapter, no database). When an
 * upgrade changes one of them, a test here fails and names it; the journeys that rely on them are
 * tested elsewhere (clients.test.ts, account-settings.test.ts, token-use-reads.test.ts).
 */

const ISSUER = 'http://127.0.0.1:4999';
const CLIENT = { client_id: 'patched-app', client_secret: 'a-client-secret-of-32-characters!' };

/** Every adapter call, with the request context oidc-provider exposes during it. */
interface AdapterCall {
  readonly model: string;
  readonly method: 'find' | 'findByUid';
  readonly id: string;
  readonly ctx: unknown;
  readonly batch: object;
}

function recordingAdapter(calls: AdapterCall[]) {
  const rows = new Map<string, AdapterPayload>();
  // A "batch" lasts until the next microtask: calls in one batch were made in the same tick.
  let batch: object | undefined;
  const currentBatch = () => {
    if (!batch) {
      const fresh = {};
      batch = fresh;
      queueMicrotask(() => {
        if (batch === fresh) batch = undefined;
      });
    }
    return batch;
  };
  return class RecordingAdapter implements Adapter {
    private readonly model: string;
    constructor(model: string) {
      this.model = model;
    }
    async upsert(id: string, payload: AdapterPayload) {
      rows.set(`${this.model}:${id}`, payload);
    }
    find(id: string) {
      calls.push({ model: this.model, method: 'find', id, ctx: Provider.ctx, batch: currentBatch() });
      return Promise.resolve(rows.get(`${this.model}:${id}`));
    }
    async findByUid(uid: string) {
      calls.push({
        model: this.model,
        method: 'findByUid',
        id: uid,
        ctx: Provider.ctx,
        batch: currentBatch(),
      });
      return [...rows.entries()].find(([key, p]) => key.startsWith(`${this.model}:`) && p.uid === uid)?.[1];
    }
    async findByUserCode() {
      return undefined;
    }
    async consume() {}
    async destroy(id: string) {
      rows.delete(`${this.model}:${id}`);
    }
    async revokeByGrantId() {}
  };
}

async function signingKeys(): Promise<{ jwks: JWK[]; sign: (alg: 'RS256' | 'ES256') => Promise<string> }> {
  const pairs = await Promise.all(
    (['RS256', 'ES256'] as const).map(async (alg) => ({
      alg,
      ...(await generateKeyPair(alg, { extractable: true })),
    })),
  );
  const jwks = await Promise.all(
    pairs.map(async ({ alg, privateKey }) => ({
      ...(await exportJWK(privateKey)),
      alg,
      kid: `${alg}-key`,
      use: 'sig',
    })),
  );
  const sign = (alg: 'RS256' | 'ES256') =>
    new SignJWT({})
      .setProtectedHeader({ alg, kid: `${alg}-key` })
      .setIssuer(ISSUER)
      .setAudience(CLIENT.client_id)
      .setSubject('ada')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(pairs.find((p) => p.alg === alg)!.privateKey);
  return { jwks, sign };
}

const settings = {
  issuer: ISSUER,
  cookieSecrets: ['a-cookie-secret-of-at-least-32-characters'],
  secureCookies: false,
  registrationToken: undefined,
  allowPrivateNetworkCallbacks: true,
  views: { render: async () => {} },
  findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
  rememberedGrantId: async () => undefined,
};

describe('the oidc-provider internals our patches lean on (written against oidc-provider 9.13.3)', () => {
  const calls: AdapterCall[] = [];
  let keys: Awaited<ReturnType<typeof signingKeys>>;
  let provider: Provider;
  let server: Server;
  let origin: string;
  const configuration = providerConfiguration(settings as never);
  /** What our own routes saw, by path. */
  const seen = new Map<string, unknown>();

  /** A session as the provider keeps one: its model is constructed with the stored payload. */
  const storedSession = (payload: { accountId: string; loginTs: number }) =>
    new (provider.Session as unknown as new (payload: object) => Session)(payload);

  beforeAll(async () => {
    keys = await signingKeys();
    provider = new Provider(ISSUER, {
      ...configuration,
      clients: [
        {
          ...CLIENT,
          redirect_uris: ['http://127.0.0.1:9/callback'],
          grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
          id_token_signed_response_alg: 'ES256',
        },
      ],
      adapter: recordingAdapter(calls),
      jwks: { keys: keys.jwks } as never,
    });
    // Our routes, outside the provider's endpoints, as create-idp.ts mounts the account pages.
    provider.use(async (ctx, next) => {
      if (ctx.path === '/test/renew') {
        const session = storedSession({ accountId: 'ada', loginTs: 1000 });
        await session.save(3600);
        seen.set('before', { jti: session.jti, exp: session.exp });
        await renewBrowserSession(provider, ctx as unknown as Context, session, { secure: false });
        seen.set('after', { jti: session.jti, exp: session.exp, loginTs: session.loginTs });
        ctx.body = 'renewed';
        return;
      }
      if (ctx.path === '/test/who') {
        const session = await browserSession(provider, ctx as unknown as Context);
        ctx.body = { accountId: session.accountId ?? null, jti: session.jti };
        return;
      }
      return next();
    });
    server = createServer(provider.callback());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server?.close(() => done())));

  describe('id-token-hint-algorithms.ts', () => {
    it('IdToken.validate(jwt, client) checks the alg of client.idTokenSignedResponseAlg, which an object inheriting the client may replace', async () => {
      const client = (await provider.Client.find(CLIENT.client_id))!;
      const rs256 = await keys.sign('RS256');
      expect(typeof provider.IdToken.validate).toBe('function');
      // Unpatched: a hint signed RS256 is refused for a client registered with ES256 since.
      await expect(provider.IdToken.validate(rs256, client)).rejects.toThrow('signature verification failed');
      const asRs256 = Object.create(client, { idTokenSignedResponseAlg: { value: 'RS256' } });
      await expect(provider.IdToken.validate(rs256, asRs256)).resolves.toMatchObject({
        payload: { sub: 'ada' },
      });
    });

    it('once patched, a hint of either of our algorithms is ours, and a forged one still is not', async () => {
      const patched = new Provider(ISSUER, {
        ...configuration,
        clients: [
          {
            ...CLIENT,
            redirect_uris: ['http://127.0.0.1:9/callback'],
            id_token_signed_response_alg: 'ES256',
          },
        ],
        adapter: recordingAdapter([]),
        jwks: { keys: keys.jwks } as never,
      });
      acceptIdTokenHintsOfEveryAlg(patched);
      const client = (await patched.Client.find(CLIENT.client_id))!;
      for (const alg of ['RS256', 'ES256'] as const)
        await expect(patched.IdToken.validate(await keys.sign(alg), client)).resolves.toMatchObject({
          payload: { sub: 'ada' },
        });
      const other = await signingKeys();
      await expect(patched.IdToken.validate(await other.sign('RS256'), client)).rejects.toThrow(
        'signature verification failed',
      );
    });
  });

  describe('provider-session.ts', () => {
    it('the session cookie is named _session, and a renewed session is found again from it under its new id', async () => {
      expect(provider.cookieName('session')).toBe('_session');
      const renewed = await fetch(`${origin}/test/renew`);
      expect(renewed.status).toBe(200);
      const before = seen.get('before') as { jti: string; exp: number };
      const after = seen.get('after') as { jti: string; exp: number; loginTs: number };
      expect(after.jti).not.toBe(before.jti);
      expect(Math.abs(after.exp - before.exp)).toBeLessThanOrEqual(1); // persist() keeps the lifetime
      expect(after.loginTs).toBeGreaterThan(1000);
      // resetIdentifier() + persist(): the old id is gone, the new one holds the session.
      expect(await provider.Session.find(before.jti)).toBeUndefined();
      expect((await provider.Session.find(after.jti))?.accountId).toBe('ada');

      const cookies = renewed.headers.getSetCookie();
      const session = cookies.find((c) => c.startsWith(`_session=${after.jti};`));
      expect(session, cookies.join('\n')).toBeDefined();
      expect(cookies.some((c) => c.startsWith('_session.sig='))).toBe(true);
      // The options of the provider's own long-lived cookies (configuration.ts, cookies.long).
      expect(configuration.cookies?.long).toMatchObject({ httpOnly: true, sameSite: 'lax', secure: false });
      expect(session).toMatch(/; httponly/i);
      expect(session).toMatch(/; samesite=lax/i);
      expect(session).not.toMatch(/; secure/i);
      expect(session).toContain(`; expires=${new Date(after.exp * 1000).toUTCString()}`);

      const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
      const who = await (await fetch(`${origin}/test/who`, { headers: { cookie } })).json();
      expect(who).toEqual({ accountId: 'ada', jti: after.jti });
    });

    it('Session.get gives a new empty session when the cookie is missing or its signature is wrong', async () => {
      const after = seen.get('after') as { jti: string };
      for (const cookie of ['', `_session=${after.jti}; _session.sig=forged`]) {
        const who = (await (await fetch(`${origin}/test/who`, { headers: { cookie } })).json()) as {
          accountId: string | null;
          jti: string;
        };
        expect(who.accountId).toBeNull();
        expect(who.jti).not.toBe(after.jti);
      }
    });
  });

  describe('token-finder.ts', () => {
    const introspect = (token: string) =>
      fetch(`${origin}/token/introspection`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`${CLIENT.client_id}:${CLIENT.client_secret}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }),
      });

    it('introspection asks AccessToken and ClientCredentials for the value in one tick, inside the request context', async () => {
      calls.length = 0;
      expect(Provider.ctx).toBeUndefined();
      expect(await (await introspect('an-unknown-token-value-0123456789')).json()).toEqual({ active: false });
      const asked = calls.filter((c) => c.id === 'an-unknown-token-value-0123456789');
      expect(asked.map((c) => c.model)).toEqual(
        expect.arrayContaining(['AccessToken', 'ClientCredentials', 'RefreshToken']),
      );
      const [accessToken, clientCredentials] = ['AccessToken', 'ClientCredentials'].map(
        (model) => asked.find((c) => c.model === model)!,
      );
      expect(accessToken!.batch).toBe(clientCredentials!.batch);
      expect(accessToken!.ctx).toBeDefined();
      expect(new Set(asked.map((c) => c.ctx)).size).toBe(1);
    });

    it('using a token that ends with its session reads that session by uid in the same request', async () => {
      const session = storedSession({ accountId: 'ada', loginTs: Math.floor(Date.now() / 1000) });
      await session.save(3600);
      const token = new provider.AccessToken({
        accountId: 'ada',
        clientId: CLIENT.client_id,
        grantId: 'a-grant',
        scope: 'openid',
        sessionUid: session.uid,
        expiresWithSession: true,
      } as never);
      const value = await token.save();
      calls.length = 0;
      await fetch(`${origin}/me`, { headers: { authorization: `Bearer ${value}` } });
      const found = calls.find((c) => c.model === 'AccessToken' && c.method === 'find');
      const bySession = calls.find((c) => c.model === 'Session' && c.method === 'findByUid');
      expect(found?.ctx).toBeDefined();
      expect(bySession).toMatchObject({ id: session.uid });
      expect(bySession!.ctx).toBe(found!.ctx);
    });
  });

  describe('fetch-without-ssrf-guard.ts', () => {
    it('the provider puts its special-use-address guard in as the dispatcher option of the fetch it calls', async () => {
      const { default: fetchRequest } = (await import(
        'oidc-provider/lib/helpers/fetch_request.js' as string
      )) as {
        default: (provider: Provider, url: string, options: RequestInit) => Promise<Response>;
      };
      const target = createServer((_req, res) => res.writeHead(204).end());
      target.listen(0, '127.0.0.1');
      await once(target, 'listening');
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/backchannel`;
      try {
        const seenOptions: RequestInit[] = [];
        const bare = { ...configuration, adapter: recordingAdapter([]), jwks: { keys: keys.jwks } as never };
        const recording = new Provider(ISSUER, {
          ...bare,
          fetch: (async (input: string, options: RequestInit) => {
            seenOptions.push({ ...options });
            return fetchWithoutSsrfGuard(input, options);
          }) as never,
        });
        expect((await fetchRequest(recording, url, { method: 'POST' })).status).toBe(204);
        expect(seenOptions[0]).toHaveProperty('dispatcher');

        const { fetch: _withoutGuard, ...withGuard } = bare;
        const guarded = new Provider(ISSUER, withGuard);
        const refused = await fetchRequest(guarded, url, { method: 'POST' }).catch((error: Error) => error);
        expect(refused).toMatchObject({
          cause: { message: 'hostname resolves to a special-use IP address' },
        });
      } finally {
        target.close();
      }
    });
  });
});
