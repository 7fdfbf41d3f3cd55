import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../adapters/db/embedded-postgres.ts';

/** The database the IdP under test uses, and how to let go of it. */
export interface BenchDatabase {
  readonly url: string;
  /** `embedded PostgreSQL (durable: fsync on)` or `DATABASE_URL`, for the report. */
  readonly description: string;
  stop(): Promise<void>;
}

/**
 * `DATABASE_URL` when set (it must be a throwaway database: the bench adds accounts, a client and
 * tokens), else an embedded PostgreSQL in a temporary folder, deleted afterwards. The embedded one
 * runs with the durable settings `npm start` uses, not the tests' fsync-off ones: a token grant
 * is a commit, and its cost belongs in the figure.
 */
export async function openBenchDatabase(databaseUrl: string | undefined): Promise<BenchDatabase> {
  if (databaseUrl) return { url: databaseUrl, description: 'DATABASE_URL', stop: async () => {} };
  const root = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  // As root, PostgreSQL runs as its own system user, which must be able to reach its folder.
  await chmod(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(root, 'pg') });
  return {
    url: pg.url(),
    description: 'embedded PostgreSQL 17 (durable settings, as npm start)',
    async stop() {
      await pg.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
