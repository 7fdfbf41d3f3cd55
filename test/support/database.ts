import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Database } from '../../adapters/db/database.ts';

/**
 * A fresh database for one test file, cloned from the migrated template: every test file starts
 * from the committed migrations and sees no other file's rows.
 */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('postgresUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client(adminUrl);
  await client.connect();
  try {
    await client.query(`create database ${name} template ${inject('templateDatabase')}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** True when the migrator has nothing left to apply to this database. */
export async function migrationsApplied(orm: Database): Promise<boolean> {
  const pending = await orm.migrator.getPending();
  return pending.length === 0;
}
