import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../../adapters/db/database.ts';
import { idpSchema } from '../../../idp/schema.ts';
import { createOidcAdapter } from '../../../idp/storage/oidc-adapter.ts';
import { cleanupExpiredOidcPayloads } from '../../../idp/storage/oidc-store.ts';
import { createTestDatabase } from '../../support/database.ts';

// Every model name oidc-provider 9 builds an adapter for.
const MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
];

const GRANTABLE = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
];

const HOUR = 3600;

describe('the oidc-provider storage adapter', () => {
  let orm: Database;
  let adapterFor: (model: string) => Adapter;

  beforeAll(async () => {
    orm = await openDatabase(idpSchema, { url: await createTestDatabase() });
    const OidcAdapter = createOidcAdapter(orm);
    adapterFor = (model) => new OidcAdapter(model);
  });
  afterAll(() => orm.close(true));
  beforeEach(() => sql('delete from idp.oidc_payload'));

  function sql(query: string, params: unknown[] = []) {
    return orm.em.getConnection().execute(query, params);
  }

  // Backdating in SQL keeps the tests fast: no waiting for a real lifetime to run out.
  function expire(model: string, id: string) {
    return sql(
      `update idp.oidc_payload set expires_at = now() - interval '1 second' where model = ? and id = ?`,
      [model, id],
    );
  }

  function payloadOf(model: string, extra: AdapterPayload = {}): AdapterPayload {
    return { jti: randomUUID(), kind: model, iat: 1, exp: 2, accountId: 'alice', ...extra };
  }

  async function saved(model: string, extra: AdapterPayload = {}, expiresIn = HOUR) {
    const payload = payloadOf(model, extra);
    await adapterFor(model).upsert(payload.jti!, payload, expiresIn);
    return payload;
  }

  describe.each(MODELS)('for a %s', (model) => {
    it('reads back the payload it was saved with', async () => {
      const payload = await saved(model, { scope: 'openid email', extra: { nested: [1, 'two'] } });
      expect(await adapterFor(model).find(payload.jti!)).toEqual(payload);
    });

    it('never returns it once expired', async () => {
      const payload = await saved(model);
      await expire(model, payload.jti!);
      expect(await adapterFor(model).find(payload.jti!)).toBeUndefined();
    });

    it('returns it consumed, with the epoch second it was consumed at', async () => {
      const payload = await saved(model);
      const before = Math.floor(Date.now() / 1000);
      await adapterFor(model).consume(payload.jti!);
      const found = await adapterFor(model).find(payload.jti!);
      expect(found).toMatchObject(payload);
      expect(found?.consumed).toBeGreaterThanOrEqual(before - 1);
      expect(found?.consumed).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    });

    it('forgets it once destroyed', async () => {
      const payload = await saved(model);
      await adapterFor(model).destroy(payload.jti!);
      expect(await adapterFor(model).find(payload.jti!)).toBeUndefined();
    });
  });

  it('finds nothing for an id it never stored; consuming it is refused as a replay, destroying it changes nothing', async () => {
    const adapter = adapterFor('AccessToken');
    await expect(adapter.consume('unknown')).rejects.toMatchObject({ error: 'invalid_grant' });
    await adapter.destroy('unknown');
    expect(await adapter.find('unknown')).toBeUndefined();
    expect(await adapter.findByUid('unknown')).toBeUndefined();
    expect(await adapter.findByUserCode('unknown')).toBeUndefined();
  });

  it.each([undefined, 0])(
    'keeps a payload saved with a lifetime of %s until it is destroyed',
    async (lifetime) => {
      const client = payloadOf('Client', { client_id: 'dynamic' });
      await adapterFor('Client').upsert(client.jti!, client, lifetime);
      const [row] = await sql(`select expires_at from idp.oidc_payload where id = ?`, [client.jti]);
      expect(row?.expires_at).toBeNull();
      expect(await adapterFor('Client').find(client.jti!)).toEqual(client);
      await adapterFor('Client').destroy(client.jti!);
      expect(await adapterFor('Client').find(client.jti!)).toBeUndefined();
    },
  );

  it('replaces the payload and the lifetime when the same id is saved again', async () => {
    const first = await saved('Session');
    await expire('Session', first.jti!);
    const second = { ...first, accountId: 'bob' };
    await adapterFor('Session').upsert(first.jti!, second, HOUR);
    expect(await adapterFor('Session').find(first.jti!)).toEqual(second);
  });

  it('keeps a consumed refresh token consumed when it is saved again', async () => {
    const token = await saved('RefreshToken');
    await adapterFor('RefreshToken').consume(token.jti!);
    const { consumed } = (await adapterFor('RefreshToken').find(token.jti!))!;
    await adapterFor('RefreshToken').upsert(token.jti!, token, HOUR);
    expect((await adapterFor('RefreshToken').find(token.jti!))?.consumed).toBe(consumed);
  });

  it('stores payload text with quotes, backslashes and question marks unchanged', async () => {
    const tricky = `it's "quoted" \\ back\\slashed ?? and ? '); drop table idp.oidc_payload; --`;
    const payload = await saved('Interaction', { returnTo: tricky, params: { state: tricky, 'é€': '☃' } });
    expect(await adapterFor('Interaction').find(payload.jti!)).toEqual(payload);
  });

  describe('saves and token lookups made in the same turn of the event loop (several requests at once)', () => {
    // Which statements reach PostgreSQL: the adapter's statements run on the ORM's own pool.
    async function statementsSent<T>(work: () => Promise<T>, names: string[] = []): Promise<T> {
      const pool = (await orm.em.getConnection().getNativeClient()) as Pool;
      const query = pool.query;
      pool.query = ((config: unknown, ...rest: unknown[]) => {
        const name = (config as { name?: string }).name;
        if (name) names.push(name);
        return (query as (...args: unknown[]) => unknown).call(pool, config, ...rest);
      }) as typeof pool.query;
      try {
        return await work();
      } finally {
        pool.query = query;
      }
    }

    it('go to PostgreSQL as one statement, and every row is stored when each save returns', async () => {
      const token = payloadOf('AccessToken', { grantId: 'g1' });
      const session = payloadOf('Session', { uid: 'u1' });
      const code = payloadOf('AuthorizationCode', { grantId: 'g1' });
      const sent: string[] = [];
      await statementsSent(
        () =>
          Promise.all([
            adapterFor('AccessToken').upsert(token.jti!, token, HOUR),
            adapterFor('Session').upsert(session.jti!, session, HOUR),
            adapterFor('AuthorizationCode').upsert(code.jti!, code, 60),
          ]),
        sent,
      );
      expect(sent).toEqual(['oidc.save-many']);
      expect(await adapterFor('AccessToken').find(token.jti!)).toEqual(token);
      expect(await adapterFor('Session').findByUid('u1')).toEqual(session);
      expect(await adapterFor('AuthorizationCode').find(code.jti!)).toEqual(code);
      await adapterFor('AccessToken').revokeByGrantId('g1');
      expect(await adapterFor('AuthorizationCode').find(code.jti!)).toBeUndefined();
    });

    it('token lookups of several requests in one turn are one query, each answered with its own token', async () => {
      const access = await saved('AccessToken');
      const refresh = await saved('RefreshToken');
      const sent: string[] = [];
      const [a, r, wrongModel, unknown] = await statementsSent(
        () =>
          Promise.all([
            adapterFor('AccessToken').find(access.jti!),
            adapterFor('RefreshToken').find(refresh.jti!),
            // The refresh token's value asked as an access token: not one, though fetched in the same query.
            adapterFor('AccessToken').find(refresh.jti!),
            adapterFor('ClientCredentials').find('never-issued'),
          ]),
        sent,
      );
      expect(sent).toEqual(['oidc.find-token']);
      expect(a).toEqual(access);
      expect(r).toEqual(refresh);
      expect(wrongModel).toBeUndefined();
      expect(unknown).toBeUndefined();
    });

    it('consumptions of several requests in one turn are one statement; of two for one row, one wins', async () => {
      const first = await saved('RefreshToken', { grantId: 'g-first' });
      const second = await saved('AuthorizationCode', { grantId: 'g-second' });
      const sent: string[] = [];
      const outcomes = await statementsSent(
        () =>
          Promise.allSettled([
            adapterFor('RefreshToken').consume(first.jti!),
            adapterFor('AuthorizationCode').consume(second.jti!),
            adapterFor('RefreshToken').consume(first.jti!),
          ]),
        sent,
      );
      expect(sent[0]).toBe('oidc.consume-many');
      expect(sent.filter((name) => name.startsWith('oidc.consume'))).toHaveLength(1);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      // The loser is a replay: the grant of the token used twice is revoked, the other one stays.
      expect(await adapterFor('RefreshToken').find(first.jti!)).toBeUndefined();
      expect((await adapterFor('AuthorizationCode').find(second.jti!))?.consumed).toEqual(expect.any(Number));
    });

    it('keep the later payload of a row saved twice, as two statements in that order would', async () => {
      const first = payloadOf('Session', { accountId: 'alice' });
      const second = { ...first, accountId: 'bob' };
      await Promise.all([
        adapterFor('Session').upsert(first.jti!, first, HOUR),
        adapterFor('Session').upsert(first.jti!, second, HOUR),
      ]);
      expect(await adapterFor('Session').find(first.jti!)).toEqual(second);
    });

    it('store a payload as it was at the save, not as its owner changed it afterwards', async () => {
      const payload = payloadOf('Interaction', { returnTo: '/auth/1' });
      const saving = adapterFor('Interaction').upsert(payload.jti!, payload, HOUR);
      payload.returnTo = '/changed';
      await saving;
      expect((await adapterFor('Interaction').find(payload.jti!))?.returnTo).toBe('/auth/1');
    });

    it('fail only the save of a row PostgreSQL refuses; the others are stored', async () => {
      const good = payloadOf('AccessToken');
      // jsonb cannot hold U+0000: PostgreSQL refuses the row, and with it a statement of several rows.
      const bad = payloadOf('AccessToken', { scope: 'openid\u0000' });
      const [goodSave, badSave] = await Promise.allSettled([
        adapterFor('AccessToken').upsert(good.jti!, good, HOUR),
        adapterFor('AccessToken').upsert(bad.jti!, bad, HOUR),
      ]);
      expect(goodSave.status).toBe('fulfilled');
      expect(badSave.status).toBe('rejected');
      expect(await adapterFor('AccessToken').find(good.jti!)).toEqual(good);
      expect(await adapterFor('AccessToken').find(bad.jti!)).toBeUndefined();
    });
  });

  it('keeps the same id in two models apart', async () => {
    const id = randomUUID();
    const token = { ...payloadOf('AccessToken'), jti: id };
    const code = { ...payloadOf('AuthorizationCode'), jti: id };
    await adapterFor('AccessToken').upsert(id, token, HOUR);
    await adapterFor('AuthorizationCode').upsert(id, code, HOUR);
    await adapterFor('AuthorizationCode').consume(id);
    await adapterFor('AuthorizationCode').destroy(id);
    expect(await adapterFor('AccessToken').find(id)).toEqual(token);
    expect(await adapterFor('AuthorizationCode').find(id)).toBeUndefined();
  });

  it('finds a live session by its uid, and not once it has expired', async () => {
    const session = await saved('Session', { uid: 'session-uid' });
    expect(await adapterFor('Session').findByUid('session-uid')).toEqual(session);
    await expire('Session', session.jti!);
    expect(await adapterFor('Session').findByUid('session-uid')).toBeUndefined();
  });

  it('finds a session by its uid after it was re-keyed under a new id', async () => {
    const old = await saved('Session', { uid: 'stable-uid' });
    await adapterFor('Session').destroy(old.jti!);
    const renewed = await saved('Session', { uid: 'stable-uid', accountId: 'alice' });
    expect(await adapterFor('Session').findByUid('stable-uid')).toEqual(renewed);
  });

  it('finds a live device code by its user code, consumed when it was, and not once expired', async () => {
    const code = await saved('DeviceCode', { userCode: 'WDJB-MJHT' });
    await adapterFor('DeviceCode').consume(code.jti!);
    expect(await adapterFor('DeviceCode').findByUserCode('WDJB-MJHT')).toMatchObject({
      ...code,
      consumed: expect.any(Number),
    });
    await expire('DeviceCode', code.jti!);
    expect(await adapterFor('DeviceCode').findByUserCode('WDJB-MJHT')).toBeUndefined();
  });

  it('looks a uid or a user code up only in the model asked', async () => {
    await saved('Session', { uid: 'shared' });
    await saved('DeviceCode', { userCode: 'ABCD-EFGH' });
    expect(await adapterFor('Interaction').findByUid('shared')).toBeUndefined();
    expect(await adapterFor('Session').findByUserCode('ABCD-EFGH')).toBeUndefined();
  });

  it("revoking a grant removes its tokens of every model and leaves other grants' tokens", async () => {
    const revoked = await Promise.all(GRANTABLE.map((model) => saved(model, { grantId: 'grant-1' })));
    const kept = await Promise.all(GRANTABLE.map((model) => saved(model, { grantId: 'grant-2' })));
    await adapterFor('AccessToken').revokeByGrantId('grant-1');
    for (const payload of revoked) expect(await adapterFor(payload.kind!).find(payload.jti!)).toBeUndefined();
    for (const payload of kept) expect(await adapterFor(payload.kind!).find(payload.jti!)).toEqual(payload);
  });

  it('revoking a grant leaves the grant and a sign-in in progress to oidc-provider', async () => {
    const grant = await saved('Grant', { jti: 'grant-3', clientId: 'app' });
    const interaction = await saved('Interaction', { grantId: 'grant-3' });
    await adapterFor('RefreshToken').revokeByGrantId('grant-3');
    expect(await adapterFor('Grant').find(grant.jti!)).toEqual(grant);
    expect(await adapterFor('Interaction').find(interaction.jti!)).toEqual(interaction);
  });

  it('the cleanup deletes only the expired rows and says how many it deleted', async () => {
    const expired = await Promise.all(['AccessToken', 'Session', 'Interaction'].map((model) => saved(model)));
    for (const payload of expired) await expire(payload.kind!, payload.jti!);
    const live = await saved('RefreshToken');
    const forever = await saved('Client', {}, 0);
    expect(await cleanupExpiredOidcPayloads(orm)).toBe(3);
    expect(await cleanupExpiredOidcPayloads(orm)).toBe(0);
    const [row] = await sql(`select count(*)::int as n from idp.oidc_payload`);
    expect(row?.n).toBe(2);
    expect(await adapterFor('RefreshToken').find(live.jti!)).toEqual(live);
    expect(await adapterFor('Client').find(forever.jti!)).toEqual(forever);
  });

  it('serves oidc-provider: tokens it saves are found, consumed and revoked with their grant', async () => {
    const provider = new Provider('http://localhost:4000', {
      adapter: createOidcAdapter(orm),
      clients: [{ client_id: 'app', client_secret: 'a-secret', redirect_uris: ['https://app.example/cb'] }],
      ttl: { AccessToken: HOUR, RefreshToken: HOUR, Grant: HOUR },
      jwks: {
        keys: [generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })],
      },
      features: { devInteractions: { enabled: false } },
    });
    const client = (await provider.Client.find('app'))!;
    const grant = new provider.Grant({ accountId: 'alice', clientId: 'app' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const claims = { accountId: 'alice', client, grantId, scope: 'openid', gty: 'authorization_code' };
    const accessToken = await new provider.AccessToken(claims).save();
    const refreshToken = await new provider.RefreshToken(claims).save();

    expect((await provider.AccessToken.find(accessToken))?.accountId).toBe('alice');
    await (await provider.RefreshToken.find(refreshToken))!.consume();
    expect((await provider.RefreshToken.find(refreshToken))?.consumed).toBeTruthy();

    await provider.AccessToken.revokeByGrantId(grantId);
    expect(await provider.AccessToken.find(accessToken)).toBeUndefined();
    expect(await provider.RefreshToken.find(refreshToken)).toBeUndefined();
    expect((await provider.Grant.find(grantId))?.accountId).toBe('alice');
  });
});
