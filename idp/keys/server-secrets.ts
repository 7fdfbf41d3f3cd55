import { randomBytes } from 'node:crypto';
import type { Database } from '../../adapters/db/database.ts';
import { execute, query, statement } from '../../adapters/db/statements.ts';

const CREATE = statement(
  'idp.server-secret.create',
  'insert into idp.server_secret (name, value) values ($1, $2) on conflict (name) do nothing',
);
const READ = statement('idp.server-secret.read', 'select value from idp.server_secret where name = $1');

/**
 * A secret shared by every instance (cookie signing on embedded defaults), generated once and kept
 * in PostgreSQL. Production passes its own through `COOKIE_SECRETS` instead.
 */
export async function sharedSecret(orm: Database, name: string): Promise<string> {
  await execute(orm, CREATE, [name, randomBytes(32).toString('base64url')]);
  const rows = await query<{ value: string }>(orm, READ, [name]);
  return rows[0]!.value;
}
