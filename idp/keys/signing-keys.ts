import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Database } from '../../adapters/db/database.ts';

/**
 * How long a retired key stays published: longer than anything it signed can live (ID tokens and
 * JWT access tokens live at most an hour here), so relying parties can still verify them.
 */
export const RETIRED_KEY_RETENTION_SECONDS = 2 * 3600;

const ALG = 'RS256';

/**
 * Signing keys live in PostgreSQL so every instance signs with the same key and publishes the
 * same JWKS. The first start generates one; `rotateSigningKey` adds a new active key.
 *
 * @example
 *   const jwks = await loadSigningKeys(orm); // { keys: [newest, …retired but still published] }
 */
export async function loadSigningKeys(orm: Database, now = new Date()): Promise<{ keys: JWK[] }> {
  await ensureActiveKey(orm);
  const rows = await orm.em.getConnection().execute<{ jwk: JWK }[]>(
    `select jwk from idp.signing_key
      where retired_at is null or retired_at > ?::timestamptz - make_interval(secs => ?)
      order by created_at desc`,
    [now.toISOString(), RETIRED_KEY_RETENTION_SECONDS],
  );
  return { keys: rows.map((r) => r.jwk) };
}

/** Add a new active key, retire the current one (still published for a while), drop expired ones. */
export async function rotateSigningKey(orm: Database, now = new Date()): Promise<string> {
  const jwk = await newKey();
  const conn = orm.em.getConnection();
  await conn.transactional(async (tx) => {
    await conn.execute(`select pg_advisory_xact_lock(hashtext('gatehouse:signing-key'))`, [], 'all', tx);
    await conn.execute(
      `update idp.signing_key set retired_at = ? where retired_at is null`,
      [now],
      'run',
      tx,
    );
    await insertKey(orm, jwk, now, tx);
    await conn.execute(
      `delete from idp.signing_key where retired_at < ?::timestamptz - make_interval(secs => ?)`,
      [now.toISOString(), RETIRED_KEY_RETENTION_SECONDS],
      'run',
      tx,
    );
  });
  return jwk.kid!;
}

async function ensureActiveKey(orm: Database): Promise<void> {
  const conn = orm.em.getConnection();
  const active = await conn.execute(`select 1 from idp.signing_key where retired_at is null limit 1`);
  if (active.length) return;
  const jwk = await newKey();
  await conn.transactional(async (tx) => {
    // Instances starting together must not each create a key.
    await conn.execute(`select pg_advisory_xact_lock(hashtext('gatehouse:signing-key'))`, [], 'all', tx);
    const again = await conn.execute(`select 1 from idp.signing_key where retired_at is null`, [], 'all', tx);
    if (!again.length) await insertKey(orm, jwk, new Date(), tx);
  });
}

async function newKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg: ALG, use: 'sig' };
}

async function insertKey(orm: Database, jwk: JWK, now: Date, tx: unknown): Promise<void> {
  await orm.em
    .getConnection()
    .execute(
      `insert into idp.signing_key (kid, jwk, created_at) values (?, ?::jsonb, ?)`,
      [jwk.kid, JSON.stringify(jwk), now],
      'run',
      tx as never,
    );
}

/**
 * Call `onChange` when the set of published keys changes (a rotation by any instance or the CLI,
 * or a retired key reaching the end of its retention). One cheap query per interval.
 */
export function watchSigningKeys(
  orm: Database,
  everyMs: number,
  onChange: () => Promise<void>,
): { stop(): void } {
  let last: string | undefined;
  const check = async () => {
    const { keys } = await loadSigningKeys(orm);
    const current = keys.map((k) => k.kid).join(',');
    if (last !== undefined && current !== last) await onChange();
    last = current;
  };
  void check().catch(() => {});
  const timer = setInterval(() => void check().catch(() => {}), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
