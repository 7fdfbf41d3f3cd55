import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, type SchemaModule } from '../../adapters/db/database.ts';
import { idpSchema } from '../../idp/schema.ts';
import { portalSchema } from '../../portal/schema.ts';
import { createTestDatabase } from '../support/database.ts';

/**
 * What the portal's migrations hold and its entities do not declare yet, statement by statement as
 * MikroORM's diff would change the schema to match them. Remove a line once the entity says it:
 * the test fails while a line here is no longer in the diff, and for any statement not here.
 */
const PORTAL_NOT_YET_DECLARED = [
  // The mandatory roles' composite keys (organization.billing_contact_id, id) → professional (id,
  // organization_id): the contact must be a professional of the same organization. A MikroORM
  // relation references one entity's columns from another file's, and Organization and
  // Professional would then import each other; the rule stays in SQL (migration 0001).
  'alter table "portal"."organization" drop constraint "organization_billing_contact_fk";',
  'alter table "portal"."organization" drop constraint "organization_shipping_contact_fk";',
];

const NOT_YET_DECLARED: Record<string, readonly string[]> = { idp: [], portal: PORTAL_NOT_YET_DECLARED };

describe.each([idpSchema, portalSchema])(
  'the $schema entities, after every migration',
  (module: SchemaModule) => {
    let orm: Database;
    let url: string;
    beforeAll(async () => {
      url = await createTestDatabase();
      orm = await openDatabase(module, { url, poolMax: 2 });
    });
    afterAll(() => orm.close(true));

    it('match the migrated schema: MikroORM finds nothing to change', async () => {
      const diff = await orm.schema.getUpdateSchemaSQL({ schema: module.schema, wrap: false });
      const statements = diff
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      expect(statements.sort()).toEqual([...NOT_YET_DECLARED[module.schema]!].sort());
    });

    it('map every table but those listed as unmapped, and none of those', async () => {
      const client = new pg.Client(url);
      await client.connect();
      const { rows } = await client
        .query<{ table_name: string }>(
          'select table_name from information_schema.tables where table_schema = $1 order by 1',
          [module.schema],
        )
        .finally(() => client.end());
      const mapped = [...orm.getMetadata().getAll().values()].map((meta) => meta.tableName);
      const unmapped = Object.keys(module.unmappedTables);
      expect(mapped.filter((table) => unmapped.includes(table))).toEqual([]);
      expect(rows.map((r) => r.table_name)).toEqual([...mapped, ...unmapped, 'schema_migrations'].sort());
    });
  },
);
