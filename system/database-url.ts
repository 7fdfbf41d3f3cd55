import { resolve } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../adapters/db/embedded-postgres.ts';
import type { Config } from '../config/config.ts';

/** The embedded PostgreSQL's port on embedded defaults, so the CLI finds the one `npm start` runs. */
const EMBEDDED_PORT = 54329;

export interface ResolvedDatabase {
  readonly url: string;
  /** Stops the embedded PostgreSQL if this call started it. */
  stop(): Promise<void>;
}

/**
 * `DATABASE_URL` when set; otherwise the embedded PostgreSQL under DATA_DIR: reused when it is
 * already running (`npm start` in another terminal), started otherwise.
 */
export async function resolveDatabase(config: Config): Promise<ResolvedDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => {} };
  const url = `postgres://gatehouse:gatehouse@127.0.0.1:${EMBEDDED_PORT}/gatehouse`;
  if (await reachable(url)) return { url, stop: async () => {} };
  const embedded = await startEmbeddedPostgres({
    dataDir: resolve(config.DATA_DIR, 'postgres'),
    port: EMBEDDED_PORT,
  });
  return { url: embedded.url(), stop: () => embedded.stop() };
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
