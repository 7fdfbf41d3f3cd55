import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Database } from '../../adapters/db/database.ts';

/**
 * A fresh database for one test file, cloned from the migrated template: every test file starts
 * from the committed migrations and sees no other file's rows.
 */
export function createTestDatabase(): Promise<string> {
  return createDatabase(`test_${randomBytes(6).toString('hex')}`, inject('templateDatabase'));
}

/** An empty database of its own, as an operator's PostgreSQL is before the first start. */
export function createEmptyDatabase(): Promise<string> {
  return createDatabase(`upgrade_${randomBytes(6).toString('hex')}`);
}

async function createDatabase(name: string, template?: string): Promise<string> {
  const adminUrl = inject('postgresUrl');
  const client = new pg.Client(adminUrl);
  await client.connect();
  try {
    await client.query(`create database ${name}${template ? ` template ${template}` : ''}`);
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
