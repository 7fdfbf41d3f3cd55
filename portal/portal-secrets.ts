import { randomBytes } from 'node:crypto';
import type { Database } from '../adapters/db/database.ts';

/**
 * A secret shared by every portal instance (CSRF, invitation links on embedded defaults),
 * generated once and kept in PostgreSQL. Production passes its own through the environment.
 */
export async function portalSecret(orm: Database, name: string): Promise<string> {
  const conn = orm.em.getConnection();
  await conn.execute(
    `insert into portal.server_secret (name, value) values (?, ?) on conflict (name) do nothing`,
    [name, randomBytes(32).toString('base64url')],
  );
  const rows = await conn.execute<{ value: string }[]>(
    `select value from portal.server_secret where name = ?`,
    [name],
  );
  return rows[0]!.value;
}
