import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../adapters/db/database.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createTestDatabase, migrationsApplied } from '../support/database.ts';

describe('the database adapter', () => {
  let orm: Database;
  beforeAll(async () => {
    orm = await openDatabase(idpSchema, { url: await createTestDatabase() });
  });
  afterAll(() => orm.close(true));

  it('applies every committed migration into the service schema', async () => {
    expect(await migrationsApplied(orm)).toBe(true);
    const rows = await orm.em.getConnection().execute(`select count(*)::int as n from idp.schema_migrations`);
    expect(rows[0]?.n).toBe(idpSchema.migrations.length);
  });

  it('opens again on a migrated database without applying anything twice', async () => {
    const url = orm.config.get('clientUrl')!;
    const again = await openDatabase(idpSchema, { url });
    expect(await migrationsApplied(again)).toBe(true);
    await again.close(true);
  });
});
