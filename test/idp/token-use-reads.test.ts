import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/db/database.ts';
import { idpSchema } from '../../idp/schema.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { discoverAsApp, newPersonSignsIn, TEST_REDIRECT_URI } from '../support/oidc-client.ts';

/**
 * A token lookup brings the token's session and grant along in the same query
 * (adapters/oidc/token-finder.ts). What a client sees must not change: a token whose session or
 * grant is gone is refused on the very next request, and token values are told apart by model.
 */
describe('using tokens: the session and grant are read afresh on every request', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;
  let db: Awaited<ReturnType<typeof openDatabase>>;

  beforeAll(async () => {
    idp = await startTestIdp();
    const app = await idp.registerClient({
      name: 'Reader App',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    config = await discoverAsApp(idp.issuer, app);
    db = await openDatabase(idpSchema, { url: idp.databaseUrl });
  });
  afterAll(async () => {
    await db?.close(true);
    await idp?.close();
  });

  /** A new person signed in to the app: tokens that end with their IdP session. */
  async function signedIn() {
    return (await newPersonSignsIn(config, idp.smtp)).tokens;
  }

  const deleteRows = (model: 'Session' | 'Grant', accountId: string) =>
    db.em
      .getConnection()
      .execute(`delete from idp.oidc_payload where model = ? and payload->>'accountId' = ?`, [
        model,
        accountId,
      ]);

  it('userinfo and introspection answer for a live token, and refuse it from the request after its session ended', async () => {
    const tokens = await signedIn();
    const sub = tokens.claims()!.sub;
    expect((await oidc.fetchUserInfo(config, tokens.access_token, sub)).sub).toBe(sub);
    expect((await oidc.fetchUserInfo(config, tokens.access_token, sub)).sub).toBe(sub);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, sub });

    await deleteRows('Session', sub);

    await expect(oidc.fetchUserInfo(config, tokens.access_token, sub)).rejects.toMatchObject({ status: 401 });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it("userinfo and refresh read the account with the token: a profile change shows, and an ended account's tokens stop, on the next request", async () => {
    const tokens = await signedIn();
    const sub = tokens.claims()!.sub;
    expect(await oidc.fetchUserInfo(config, tokens.access_token, sub)).toMatchObject({ given_name: 'Ada' });
    await db.em.getConnection().execute(`update idp.account set given_name = 'Grace' where id = ?`, [sub]);
    expect(await oidc.fetchUserInfo(config, tokens.access_token, sub)).toMatchObject({
      given_name: 'Grace',
      name: 'Grace Lovelace',
    });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ given_name: 'Grace' });

    // "Sign out everywhere" (or a password change) moves this mark: tokens from before stop.
    await db.em
      .getConnection()
      .execute(`update idp.account set sessions_valid_after = now() + interval '2 seconds' where id = ?`, [
        sub,
      ]);
    await expect(oidc.fetchUserInfo(config, refreshed.access_token, sub)).rejects.toMatchObject({
      status: 401,
    });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a token whose grant is gone, in every endpoint', async () => {
    const tokens = await signedIn();
    const sub = tokens.claims()!.sub;
    expect(await oidc.tokenIntrospection(config, tokens.refresh_token!)).toMatchObject({ active: true });

    await deleteRows('Grant', sub);

    await expect(oidc.fetchUserInfo(config, tokens.access_token, sub)).rejects.toMatchObject({ status: 401 });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('introspection without a hint tells access, refresh and client-credentials tokens apart', async () => {
    const tokens = await signedIn();
    const machine = await oidc.clientCredentialsGrant(config);
    const [access, refresh, credentials, unknown] = await Promise.all([
      oidc.tokenIntrospection(config, tokens.access_token),
      oidc.tokenIntrospection(config, tokens.refresh_token!),
      oidc.tokenIntrospection(config, machine.access_token),
      oidc.tokenIntrospection(config, `${tokens.access_token}x`),
    ]);
    expect(access).toMatchObject({ active: true, token_type: 'Bearer', sub: tokens.claims()!.sub });
    // oidc-provider names no token_type for a refresh token.
    expect(refresh).toMatchObject({ active: true, sub: tokens.claims()!.sub });
    expect(refresh.token_type).toBeUndefined();
    expect(credentials).toMatchObject({ active: true, token_type: 'Bearer' });
    expect(credentials.sub).toBeUndefined();
    expect(unknown.active).toBe(false);
  });
});
