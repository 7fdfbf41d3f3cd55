import { randomBytes } from 'node:crypto';
import type { Database } from '../../adapters/db/database.ts';

/**
 * A secret shared by every instance (cookie signing on embedded defaults), generated once and kept
 * in PostgreSQL. Production passes its own through `COOKIE_SECRETS` instead.
 */
export async function sharedSecret(orm: Database, name: string): Promise<string> {
  const conn = orm.em.getConnection();
  await conn.execute(
    `insert into idp.server_secret (name, value) values (?, ?) on conflict (name) do nothing`,
    [name, randomBytes(32).toString('base64url')],
  );
  const rows = await conn.execute<{ value: string }[]>(`select value from idp.server_secret where name = ?`, [
    name,
  ]);
  return rows[0]!.value;
}
