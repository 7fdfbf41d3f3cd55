import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../adapters/db/database.ts';
import { startEmbeddedPostgres } from '../../adapters/db/embedded-postgres.ts';
import { schemaModules } from './schema-modules.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    templateDatabase: string;
  }
}

export const TEMPLATE = 'gatehouse_template';

/** One real PostgreSQL for the whole run, and a migrated template each test file clones. */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const dataDir = join(root, 'pg');
  const pg = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  const admin = await import('pg');
  const client = new admin.default.Client(pg.url('postgres'));
  await client.connect();
  await client.query(`create database ${TEMPLATE}`);
  await client.end();
  for (const module of schemaModules) {
    const orm = await openDatabase(module, { url: pg.url(TEMPLATE), poolMax: 2 });
    await orm.close(true);
  }
  project.provide('postgresUrl', pg.url('postgres'));
  project.provide('templateDatabase', TEMPLATE);
  return async () => {
    await pg.stop();
  };
}
