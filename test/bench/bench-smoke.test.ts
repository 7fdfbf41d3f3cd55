import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.ts';

const run = promisify(execFile);
const BENCH = new URL('../../bench/main.ts', import.meta.url).pathname;

// Every figure `npm run bench` prints; a scenario that breaks must fail here, not rot until the next run.
const FIGURES = [
  'password-sign-in',
  'bare-argon2id',
  'sign-in-share',
  'password-totp-sign-in',
  'passkey-sign-in',
  'client-credentials',
  'refresh-token',
  'userinfo',
  'introspection',
  'portal-pages',
  'large-organization-page',
  'idp-memory-idle',
  'idp-memory-loaded',
  'bare-argon2id-memory',
  'portal-memory-idle',
  'portal-memory-loaded',
];

// The scenarios also run against bare oidc-provider, on the same core in the same run.
const AGAINST_BARE = ['password-sign-in', 'client-credentials', 'refresh-token', 'userinfo', 'introspection'];

describe('npm run bench', () => {
  it('still runs every scenario end to end (a seconds-long smoke run, no thresholds)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-smoke-'));
    const jsonFile = join(dir, 'bench.json');
    try {
      await run(process.execPath, [BENCH, '--quick', '--json', jsonFile], {
        env: { ...process.env, DATABASE_URL: await createTestDatabase() },
        timeout: 80_000,
      });
      const report = JSON.parse(await readFile(jsonFile, 'utf8')) as {
        rows: {
          id: string;
          median: number;
          errors?: number;
          threadCpuMs?: Record<string, number>;
          bare?: { perCoreSecond?: number; median?: number };
          shareOfBare?: number;
        }[];
      };
      const figures = Object.fromEntries(report.rows.map((row) => [row.id, row.median]));
      expect(Object.keys(figures).sort()).toEqual([...FIGURES].sort());
      for (const id of FIGURES) expect(figures[id], id).toBeGreaterThan(0);
      for (const id of AGAINST_BARE) {
        const row = report.rows.find((r) => r.id === id)!;
        expect(row.bare?.median, `${id}: bare rate`).toBeGreaterThan(0);
        expect(row.bare?.perCoreSecond, `${id}: bare per CPU-s`).toBeGreaterThan(0);
        expect(row.shareOfBare, `${id}: share of bare`).toBeGreaterThan(0);
      }
      expect(report.rows.filter((r) => r.bare).map((r) => r.id)).toEqual(AGAINST_BARE);
      // Where a sign-in's CPU goes: the hash on libuv's pool, the rest on the main thread.
      const signIn = report.rows.find((row) => row.id === 'password-sign-in')!;
      expect(signIn.threadCpuMs?.['thread pool (argon2)']).toBeGreaterThan(0);
      expect(signIn.threadCpuMs?.['main thread']).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
