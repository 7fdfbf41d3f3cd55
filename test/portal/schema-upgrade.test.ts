import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/db/database.ts';
import { portalSchema } from '../../portal/schema.ts';
import { createEmptyDatabase } from '../support/database.ts';

describe('the portal schema upgrades in place', () => {
  it('a database of the version before the two-step policy upgrades at start-up and keeps its organizations, none requiring it', async () => {
    const url = await createEmptyDatabase();
    const before = portalSchema.migrations.filter((m) => m.name !== '0003-two-step-policy');
    expect(before).toHaveLength(portalSchema.migrations.length - 1);
    const old = await openDatabase({ ...portalSchema, migrations: before }, { url, poolMax: 2 });
    const org = '0d1e4c52-8f3a-4b6e-9c21-5f2a7b3c9d10';
    const admin = '1e2f5d63-9a4b-4c7f-8d32-6a3b8c4d0e21';
    await old.em.getConnection().transactional(async (tx) => {
      const conn = old.em.getConnection();
      await conn.execute(
        `insert into portal.organization (id, name, kind, billing_contact_id, shipping_contact_id, created_at)
         values ('${org}', 'Northwind', 'customer', '${admin}', '${admin}', now())`,
        [],
        'run',
        tx,
      );
      await conn.execute(
        `insert into portal.professional (id, organization_id, given_name, family_name, email, is_administrator, status, created_at, updated_at)
         values ('${admin}', '${org}', 'Ann', 'Smith', 'ann@northwind.example', true, 'not_invited', now(), now())`,
        [],
        'run',
        tx,
      );
    });
    await old.close(true);

    const upgraded = await openDatabase(portalSchema, { url, poolMax: 2 });
    try {
      const rows = await upgraded.em
        .getConnection()
        .execute(`select o.name, o.requires_two_step, p.email from portal.organization o
                  join portal.professional p on p.organization_id = o.id`);
      expect(rows).toEqual([{ name: 'Northwind', requires_two_step: false, email: 'ann@northwind.example' }]);
    } finally {
      await upgraded.close(true);
    }
  });
  it('a database of the version before professional search upgrades and keeps its professionals, found by search', async () => {
    const url = await createEmptyDatabase();
    const before = portalSchema.migrations.filter((m) => m.name !== '0009-professional-search');
    expect(before).toHaveLength(portalSchema.migrations.length - 1);
    const old = await openDatabase({ ...portalSchema, migrations: before }, { url, poolMax: 2 });
    const org = '2f3a6e74-0b5c-4d8a-9e43-7b4c9d5e1f32';
    const admin = '3a4b7f85-1c6d-4e9b-8f54-8c5d0e6f2a43';
    const conn = old.em.getConnection();
    await conn.transactional(async (tx) => {
      await conn.execute(
        `insert into portal.organization (id, name, kind, billing_contact_id, shipping_contact_id, created_at)
         values ('${org}', 'Northwind', 'customer', '${admin}', '${admin}', now())`,
        [],
        'run',
        tx,
      );
      await conn.execute(
        `insert into portal.professional (id, organization_id, given_name, family_name, email, is_administrator, status, created_at, updated_at)
         values ('${admin}', '${org}', 'Ann', 'Smith', 'ann@northwind.example', true, 'not_invited', now(), now())`,
        [],
        'run',
        tx,
      );
    });
    await old.close(true);

    const upgraded = await openDatabase(portalSchema, { url, poolMax: 2 });
    try {
      const rows = await upgraded.em.getConnection().execute(
        `select email from portal.professional
          where organization_id = '${org}' and (given_name || ' ' || family_name || ' ' || email) ilike '%n smi%'`,
      );
      expect(rows).toEqual([{ email: 'ann@northwind.example' }]);
      const indexes = await upgraded.em
        .getConnection()
        .execute(
          `select indexname from pg_indexes where schemaname = 'portal' and indexname like 'professional_%_idx' order by 1`,
        );
      expect(indexes.map((r) => r.indexname)).toEqual(
        expect.arrayContaining([
          'professional_last_sign_in_idx',
          'professional_name_idx',
          'professional_search_idx',
          'professional_status_idx',
        ]),
      );
    } finally {
      await upgraded.close(true);
    }
  });
});
