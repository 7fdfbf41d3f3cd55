import { randomBytes } from 'node:crypto';
import type { Database } from './database.ts';
import { execute, query, type Statement, statement } from './statements.ts';

/** The services whose schema has a `server_secret` table (each its own: neither reads the other's). */
export type SecretSchema = 'idp' | 'portal';

const statementsOf = (schema: SecretSchema): { create: Statement; read: Statement } => ({
  create: statement(
    `${schema}.server-secret.create`,
    `insert into ${schema}.server_secret (name, value) values ($1, $2) on conflict (name) do nothing`,
  ),
  read: statement(
    `${schema}.server-secret.read`,
    `select value from ${schema}.server_secret where name = $1`,
  ),
});

const STATEMENTS = { idp: statementsOf('idp'), portal: statementsOf('portal') };

/**
 * A secret shared by every instance of a service (cookie signing, CSRF, invitation links, the
 * portal's client at the built-in IdP on embedded defaults), generated once by whichever instance
 * asks first and kept in PostgreSQL. Production passes its own through the environment instead.
 *
 * @example
 *   const key = await serverSecret(orm, 'portal', 'invitation');
 */
export async function serverSecret(orm: Database, schema: SecretSchema, name: string): Promise<string> {
  const { create, read } = STATEMENTS[schema];
  await execute(orm, create, [name, randomBytes(32).toString('base64url')]);
  const rows = await query<{ value: string }>(orm, read, [name]);
  return rows[0]!.value;
}
