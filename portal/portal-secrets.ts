import { randomBytes } from 'node:crypto';
import type { Database } from '../adapters/db/database.ts';
import { execute, query, statement } from '../adapters/db/statements.ts';

const CREATE = statement(
  'portal.server-secret.create',
  'insert into portal.server_secret (name, value) values ($1, $2) on conflict (name) do nothing',
);
const READ = statement('portal.server-secret.read', 'select value from portal.server_secret where name = $1');

/**
 * A secret shared by every portal instance (CSRF, invitation links on embedded defaults),
 * generated once and kept in PostgreSQL. Production passes its own through the environment.
 */
export async function portalSecret(orm: Database, name: string): Promise<string> {
  await execute(orm, CREATE, [name, randomBytes(32).toString('base64url')]);
  const rows = await query<{ value: string }>(orm, READ, [name]);
  return rows[0]!.value;
}
