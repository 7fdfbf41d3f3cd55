import { exportJWK, generateKeyPair, type JWK } from 'jose';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/db/database.ts';
import { loadSigningKeys } from '../../idp/keys/signing-keys.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createTestDatabase } from '../support/database.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';

const published = async (issuer: string) =>
  ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: JWK[] }).keys;

async function activeKeys(databaseUrl: string): Promise<{ kid: string; alg: string }[]> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const { rows } = await client.query(
      `select kid, jwk->>'alg' as alg from idp.signing_key where retired_at is null order by alg`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('the signing keys', () => {
  const idps: TestIdp[] = [];
  afterAll(async () => {
    for (const idp of idps) await idp.close();
  });

  it('the first start creates an RS256 key and an ES256 key, both published without their private parts', async () => {
    const idp = await startTestIdp();
    idps.push(idp);
    const keys = await published(idp.issuer);
    expect(keys.map((k) => [k.kty, k.alg, k.crv, k.use])).toEqual(
      expect.arrayContaining([
        ['RSA', 'RS256', undefined, 'sig'],
        ['EC', 'ES256', 'P-256', 'sig'],
      ]),
    );
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).not.toHaveProperty('d');
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
      id_token_signing_alg_values_supported: string[];
    };
    expect(discovery.id_token_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['RS256', 'ES256']),
    );
  });

  it('a database from before ES256, with only its RSA key, gets one EC key however many instances check at once', async () => {
    const databaseUrl = await createTestDatabase();
    const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
    const rsa = { ...(await exportJWK(privateKey)), kid: 'rsa-from-before', alg: 'RS256', use: 'sig' };
    const client = new pg.Client(databaseUrl);
    await client.connect();
    await client.query(`insert into idp.signing_key (kid, jwk, created_at) values ($1, $2, now())`, [
      rsa.kid,
      JSON.stringify(rsa),
    ]);
    await client.end();

    // Instances wait for each other's migrations, so their starts barely overlap: the key check
    // itself is raced here, from two connection pools as two instances have, before they start.
    const pools = await Promise.all(
      [1, 2].map(() => openDatabase(idpSchema, { url: databaseUrl, poolMax: 2 })),
    );
    try {
      await Promise.all(pools.flatMap((orm) => [loadSigningKeys(orm), loadSigningKeys(orm)]));
    } finally {
      for (const orm of pools) await orm.close(true);
    }
    const both = await Promise.all([
      startTestIdp({ DATABASE_URL: databaseUrl }),
      startTestIdp({ DATABASE_URL: databaseUrl }),
    ]);
    idps.push(...both);
    const keys = await activeKeys(databaseUrl);
    expect(keys.map((k) => k.alg)).toEqual(['ES256', 'RS256']);
    expect(keys.find((k) => k.alg === 'RS256')!.kid).toBe('rsa-from-before');
    for (const idp of both) {
      expect((await published(idp.issuer)).map((k) => k.kid).sort()).toEqual(keys.map((k) => k.kid).sort());
    }
  });
});
