import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { hashed } from '../../idp/rate-limits/rate-limit-rows.ts';
import { libraryRowKey, RATE_LIMIT_TABLE } from '../../idp/rate-limits/rate-limit-table.ts';
import { createRateLimits, type RateLimits } from '../../idp/rate-limits/rate-limits.ts';
import { RetryLaterError } from '../../idp/rate-limits/retry-later-error.ts';
import { createTestDatabase } from '../support/database.ts';

describe('rate limits shared through PostgreSQL', () => {
  let url: string;
  let pools: pg.Pool[];
  let one: RateLimits;
  let two: RateLimits;
  const rules = {
    signInByAccount: { points: 3, durationSeconds: 2, blockSeconds: 1 },
    signUpByIp: { points: 2, durationSeconds: 1 },
  };
  beforeAll(async () => {
    url = await createTestDatabase();
    // Two instances: two pools on one database.
    pools = [new pg.Pool({ connectionString: url, max: 2 }), new pg.Pool({ connectionString: url, max: 2 })];
    one = createRateLimits({ pool: pools[0]!, schema: 'idp', rules });
    two = createRateLimits({ pool: pools[1]!, schema: 'idp', rules });
  });
  afterAll(async () => {
    for (const pool of pools) await pool.end();
  });

  const answer = (promise: Promise<unknown>) =>
    promise.then(
      () => 'allowed',
      (e: unknown) => (isAppError(e) ? e.code : e),
    );

  it('allows N attempts, refuses the next, and allows again once the lock has expired', async () => {
    const key = 'ada@example.com';
    for (let i = 0; i < 3; i += 1) expect(await answer(one.signInByAccount.consume(key))).toBe('allowed');
    const refused = await one.signInByAccount.consume(key).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RetryLaterError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 1 });
    expect((refused as Error).message).toBe('Too many attempts. Try again in 1 minute.');
    expect(await answer(one.signInByAccount.check(key))).toBe('RATE_LIMITED');
    await sleep(1_100);
    expect(await answer(one.signInByAccount.check(key))).toBe('allowed');
    expect(await answer(one.signInByAccount.consume(key))).toBe('allowed');
  });

  it('holds across two instances on the same database', async () => {
    const key = 'grace@example.com';
    await one.signInByAccount.consume(key);
    await two.signInByAccount.consume(key);
    await one.signInByAccount.consume(key);
    expect(await answer(two.signInByAccount.check(key))).toBe('RATE_LIMITED');
    expect(await answer(two.signInByAccount.consume(key))).toBe('RATE_LIMITED');
  });

  it('forgets a key after a success', async () => {
    const key = 'linus@example.com';
    await one.signInByAccount.consume(key);
    await one.signInByAccount.consume(key);
    await two.signInByAccount.reward(key);
    for (let i = 0; i < 3; i += 1) expect(await answer(one.signInByAccount.consume(key))).toBe('allowed');
  });

  it('keeps counting per key and per limit', async () => {
    await one.signUpByIp.consume('198.51.100.1');
    await one.signUpByIp.consume('198.51.100.1');
    expect(await answer(one.signUpByIp.consume('198.51.100.1'))).toBe('RATE_LIMITED');
    expect(await answer(one.signUpByIp.consume('198.51.100.2'))).toBe('allowed');
    expect(await answer(one.signInByAccount.consume('198.51.100.1'))).toBe('allowed');
  });

  it('unblocks a window limit when its window ends', async () => {
    const ip = '198.51.100.3';
    await two.signUpByIp.consume(ip);
    await two.signUpByIp.consume(ip);
    expect(await answer(two.signUpByIp.consume(ip))).toBe('RATE_LIMITED');
    await sleep(1_100);
    expect(await answer(two.signUpByIp.consume(ip))).toBe('allowed');
  });

  it('checks several limits in one query: refuses for the first exhausted, else names those with attempts counted', async () => {
    const ada = { limit: 'signInByAccount', key: 'ada.lovelace@example.com' } as const;
    const ip = { limit: 'signUpByIp', key: '198.51.100.9' } as const;
    const fresh = { limit: 'mailByAccount', key: 'nobody@example.com' } as const;
    expect(await one.checkAll([ada, ip, fresh])).toEqual([]);
    await one.signInByAccount.consume(ada.key);
    expect(await two.checkAll([ip, fresh, ada])).toEqual([ada]);
    await two.signUpByIp.consume(ip.key);
    await two.signUpByIp.consume(ip.key);
    // Both have attempts counted; only the IP has none left, and the refusal is the IP's.
    const refused = await one.checkAll([ada, fresh, ip]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(await answer(one.signUpByIp.check(ip.key))).toBe('RATE_LIMITED');
    expect(await one.checkAll([])).toEqual([]);
  });

  it('sees a lock as the single checks do, and nothing once it has lifted', async () => {
    const grace = { limit: 'signInByAccount', key: 'grace.hopper@example.com' } as const;
    for (let i = 0; i < 3; i += 1) await one.signInByAccount.consume(grace.key);
    expect(await answer(two.checkAll([grace]))).toBe('RATE_LIMITED');
    await sleep(1_100);
    // The lock replaced the window: when it lifts, the row counts for nothing (it is not deleted).
    expect(await two.checkAll([grace])).toEqual([]);
  });

  it('forgets exactly the keys it is given, in one statement', async () => {
    const a = { limit: 'signInByAccount', key: 'a@example.com' } as const;
    const b = { limit: 'signInByAccount', key: 'b@example.com' } as const;
    const sameKeyOtherLimit = { limit: 'mailByAccount', key: 'a@example.com' } as const;
    await one.signInByAccount.consume(a.key);
    await one.signInByAccount.consume(b.key);
    await one.mailByAccount.consume(a.key);
    await two.rewardAll([a]);
    expect(await one.checkAll([a, b, sameKeyOtherLimit])).toEqual([b, sameKeyOtherLimit]);
    await two.rewardAll([]);
    expect(await one.checkAll([a, b, sameKeyOtherLimit])).toEqual([b, sameKeyOtherLimit]);
  });

  it('stores no e-mail or IP address', async () => {
    const client = new pg.Client(url);
    await client.connect();
    const { rows } = await client.query<{ key: string }>('select key from idp.rate_limit');
    await client.end();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.key).join(' ')).not.toMatch(/@|198\.51/);
  });
});

// rate-limit-rows.ts reads and deletes the library's rows itself: these fail when an upgrade of
// rate-limiter-flexible lays them out otherwise than rate-limit-table.ts says.
describe("rate-limiter-flexible's rows, laid out as rate-limit-table.ts says", () => {
  let url: string;
  let pool: pg.Pool;
  let limits: RateLimits;
  const rules = { signInByAccount: { points: 3, durationSeconds: 60, blockSeconds: 120 } };
  beforeAll(async () => {
    url = await createTestDatabase();
    pool = new pg.Pool({ connectionString: url, max: 2 });
    limits = createRateLimits({ pool, schema: 'idp', rules });
  });
  afterAll(() => pool.end());

  const rowOf = async (limit: string, key: string) => {
    const { rows } = await pool.query<{ key: string; points: number; expire: string | null }>(
      `select key, points, expire from idp.${RATE_LIMIT_TABLE} where key = $1`,
      [libraryRowKey(limit, hashed(key))],
    );
    return rows[0];
  };

  it('a counted key is one row: the limit name, a colon and the hashed key; its attempts; its window end in epoch ms', async () => {
    const before = Date.now();
    await limits.signInByAccount.consume('layout@example.com');
    await limits.signInByAccount.consume('layout@example.com');
    const row = await rowOf('signInByAccount', 'layout@example.com');
    expect(row).toMatchObject({ key: `signInByAccount:${hashed('layout@example.com')}`, points: 2 });
    expect(Number(row!.expire)).toBeGreaterThanOrEqual(before + 60_000);
    expect(Number(row!.expire)).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('a lock sets the points past the limit and the end to the lock’s', async () => {
    const before = Date.now();
    for (let i = 0; i < 3; i += 1) await limits.signInByAccount.consume('locked@example.com');
    const row = await rowOf('signInByAccount', 'locked@example.com');
    expect(row?.points).toBe(rules.signInByAccount.points + 1);
    expect(Number(row!.expire)).toBeGreaterThanOrEqual(before + 120_000);
    expect(Number(row!.expire)).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it('a reward deletes the row', async () => {
    await limits.signInByAccount.consume('forgotten@example.com');
    await limits.signInByAccount.reward('forgotten@example.com');
    expect(await rowOf('signInByAccount', 'forgotten@example.com')).toBeUndefined();
  });

  it('the library’s own table has the columns of migration 0004 (key as text here, not varchar)', async () => {
    const columns = async (schema: string, table: string) => {
      const { rows } = await pool.query(
        `select column_name, data_type, is_nullable, column_default from information_schema.columns
          where table_schema = $1 and table_name = $2 order by ordinal_position`,
        [schema, table],
      );
      return rows.map((c) => (c.column_name === 'key' ? { ...c, data_type: 'text or varchar' } : c));
    };
    await pool.query('create schema library_layout');
    // Without `tableCreated`, the library runs its own CREATE TABLE, and calls back once it has.
    await new Promise<void>((done, fail) => {
      new RateLimiterPostgres(
        {
          storeClient: pool,
          storeType: 'pool',
          schemaName: 'library_layout',
          tableName: RATE_LIMIT_TABLE,
          clearExpiredByTimeout: false,
          points: 1,
          duration: 1,
        },
        (error?: unknown) => (error ? fail(error) : done()),
      );
    });
    expect(await columns('library_layout', RATE_LIMIT_TABLE)).toEqual(await columns('idp', RATE_LIMIT_TABLE));
  });
});
