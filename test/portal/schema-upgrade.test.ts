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

  it('a database of the version before access reviews keeps its organizations and audit events; each gets the default review settings, its first review one period on', async () => {
    const url = await createEmptyDatabase();
    const before = portalSchema.migrations.filter((m) => m.name !== '0008-access-reviews');
    expect(before).toHaveLength(portalSchema.migrations.length - 1);
    const old = await openDatabase({ ...portalSchema, migrations: before }, { url, poolMax: 2 });
    const org = '2f3a6e74-0b5c-4d80-9e43-7b4c9d5e1f32';
    const admin = '3a4b7f85-1c6d-4e91-8f54-8c5d0e6f2a43';
    const conn = old.em.getConnection();
    await conn.transactional(async (tx) => {
      for (const sql of [
        `insert into portal.organization (id, name, kind, billing_contact_id, shipping_contact_id, created_at)
         values ('${org}', 'Tailspin', 'customer', '${admin}', '${admin}', now() - interval '3 years')`,
        `insert into portal.professional (id, organization_id, given_name, family_name, email, is_administrator, status, created_at, updated_at)
         values ('${admin}', '${org}', 'Tom', 'Lee', 'tom@tailspin.example', true, 'not_invited', now(), now())`,
        `insert into portal.audit_event (id, organization_id, actor, action, at)
         values ('4b5c8a96-2d7e-4fa2-9a65-9d6e1f7a3b54', '${org}', 'system', 'organization.created', now() - interval '3 years')`,
      ])
        await conn.execute(sql, [], 'run', tx);
    });
    await old.close(true);

    const upgraded = await openDatabase(portalSchema, { url, poolMax: 2 });
    try {
      const conn2 = upgraded.em.getConnection();
      const [row] = await conn2.execute(
        `select name, review_period_days, inactivity_days,
                next_review_at between now() + interval '89 days' and now() + interval '91 days' as due_in_a_period
           from portal.organization`,
      );
      expect(row).toEqual({
        name: 'Tailspin',
        review_period_days: 90,
        inactivity_days: 90,
        due_in_a_period: true,
      });
      expect(await conn2.execute('select action from portal.audit_event')).toEqual([
        { action: 'organization.created' },
      ]);
    } finally {
      await upgraded.close(true);
    }
  });
});
