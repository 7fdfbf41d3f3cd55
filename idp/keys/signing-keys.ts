import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Database } from '../../adapters/db/database.ts';
import { executeIn, query, queryIn, statement } from '../../adapters/db/statements.ts';

/**
 * How long a retired key stays published: longer than anything it signed can live (ID tokens and
 * JWT access tokens live at most an hour here), so relying parties can still verify them.
 */
const RETIRED_KEY_RETENTION_SECONDS = 2 * 3600;

/**
 * One active key per algorithm. RS256 is what OpenID Connect requires every relying party to
 * accept, and the default for apps that register themselves; ES256 signs the ID tokens of the
 * first-party apps we register (clients/clients.ts): 0.03 ms a signature, not RSA-2048's 0.25 ms,
 * on every sign-in and refresh grant.
 */
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** The kid of each new key a rotation adds. */
export type NewSigningKeys = Record<SigningAlg, string>;

const LOCK = statement(
  'idp.signing-key.lock',
  `select pg_advisory_xact_lock(hashtext('gatehouse:signing-key'))`,
);
// Active keys, and retired ones still within `$2` seconds (the retention) of `$1` (now).
const PUBLISHED = statement(
  'idp.signing-key.published',
  `select jwk from idp.signing_key
    where retired_at is null or retired_at > $1::timestamptz - make_interval(secs => $2)
    order by created_at desc, kid`,
);
const RETIRE_ACTIVE = statement(
  'idp.signing-key.retire-active',
  'update idp.signing_key set retired_at = $1 where retired_at is null',
);
const DROP_EXPIRED = statement(
  'idp.signing-key.drop-expired',
  'delete from idp.signing_key where retired_at < $1::timestamptz - make_interval(secs => $2)',
);
const ACTIVE_ALGS = statement(
  'idp.signing-key.active-algs',
  `select distinct jwk->>'alg' as alg from idp.signing_key where retired_at is null`,
);
const INSERT = statement(
  'idp.signing-key.insert',
  'insert into idp.signing_key (kid, jwk, created_at) values ($1, $2::jsonb, $3)',
);

/**
 * Signing keys live in PostgreSQL so every instance signs with the same keys and publishes the
 * same JWKS. The first start generates one per algorithm, as does a start on a database that lacks
 * one (a database from before ES256: its RSA key stays); `rotateSigningKeys` replaces them all.
 *
 * @example
 *   const jwks = await loadSigningKeys(orm); // { keys: [newest RS256 and ES256, …retired but still published] }
 */
export async function loadSigningKeys(orm: Database, now = new Date()): Promise<{ keys: JWK[] }> {
  await ensureActiveKeys(orm);
  // Newest first: oidc-provider signs with the first key of the client's algorithm.
  const rows = await query<{ jwk: JWK }>(orm, PUBLISHED, [now.toISOString(), RETIRED_KEY_RETENTION_SECONDS]);
  return { keys: rows.map((r) => r.jwk) };
}

/** Add a new active key per algorithm, retire the current ones (still published for a while), drop expired ones. */
export async function rotateSigningKeys(orm: Database, now = new Date()): Promise<NewSigningKeys> {
  const jwks = await Promise.all(SIGNING_ALGS.map(newKey));
  await orm.em.fork().transactional(async (tx) => {
    await executeIn(tx, LOCK, []);
    await executeIn(tx, RETIRE_ACTIVE, [now]);
    for (const jwk of jwks) await insertKey(tx, jwk, now);
    await executeIn(tx, DROP_EXPIRED, [now.toISOString(), RETIRED_KEY_RETENTION_SECONDS]);
  });
  return Object.fromEntries(jwks.map((jwk) => [jwk.alg, jwk.kid])) as NewSigningKeys;
}

async function ensureActiveKeys(orm: Database): Promise<void> {
  const missing = (rows: readonly { alg: string }[]) =>
    SIGNING_ALGS.filter((alg) => !rows.some((r) => r.alg === alg));
  const wanted = missing(await query<{ alg: string }>(orm, ACTIVE_ALGS, []));
  if (!wanted.length) return;
  // Generated before taking the lock: an RSA key takes a while.
  const jwks = await Promise.all(wanted.map(newKey));
  await orm.em.fork().transactional(async (tx) => {
    // Instances starting together must not each create a key.
    await executeIn(tx, LOCK, []);
    const still = missing(await queryIn<{ alg: string }>(tx, ACTIVE_ALGS, []));
    for (const jwk of jwks.filter((k) => still.includes(k.alg as SigningAlg))) {
      await insertKey(tx, jwk, new Date());
    }
  });
}

async function newKey(alg: SigningAlg): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

async function insertKey(tx: EntityManager, jwk: JWK, now: Date): Promise<void> {
  await executeIn(tx, INSERT, [jwk.kid, JSON.stringify(jwk), now]);
}

/**
 * Call `onChange` when the set of published keys changes (a rotation by any instance or the CLI,
 * a key added for a missing algorithm, or a retired key reaching the end of its retention). Two
 * cheap queries per interval.
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
