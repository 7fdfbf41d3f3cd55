import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/db/database.ts';
import { portalSchema } from '../../portal/schema.ts';
import { createEmptyDatabase } from '../support/database.ts';

describe('the portal schema upgrades in place', () => {
  it('a database of the version before the two-step policy upgrades at start-up and keeps its organizations, none requiring it', async () => {
    const url = await createEmptyDatabase();
    // The version before: every migration up to 0003 (later ones may need columns these rows lack).
    const before = portalSchema.migrations.slice(
      0,
      portalSchema.migrations.findIndex((m) => m.name === '0003-two-step-policy'),
    );
    expect(before.length).toBeGreaterThan(0);
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
  it('a database of the version before access requests upgrades and gives each organization its own account number', async () => {
    const url = await createEmptyDatabase();
    const at = portalSchema.migrations.findIndex((m) => m.name === '0006-access-requests');
    expect(at).toBeGreaterThan(0);
    const old = await openDatabase(
      { ...portalSchema, migrations: portalSchema.migrations.slice(0, at) },
      { url, poolMax: 2 },
    );
    const orgs = ['2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d', '3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d7e'];
    const admins = ['4c5d6e7f-8a9b-4c0d-9e2f-3a4b5c6d7e8f', '5d6e7f8a-9b0c-4d1e-8f3a-4b5c6d7e8f9a'];
    const conn = old.em.getConnection();
    await conn.transactional(async (tx) => {
      for (const [i, org] of orgs.entries()) {
        const admin = admins[i]!;
        await conn.execute(
          `insert into portal.organization (id, name, kind, billing_contact_id, shipping_contact_id, created_at)
           values ('${org}', 'Org ${i}', 'customer', '${admin}', '${admin}', now())`,
          [],
          'run',
          tx,
        );
        await conn.execute(
          `insert into portal.professional (id, organization_id, given_name, family_name, email, is_administrator, status, created_at, updated_at)
           values ('${admin}', '${org}', 'Ann', 'Smith', 'ann${i}@northwind.example', true, 'not_invited', now(), now())`,
          [],
          'run',
          tx,
        );
      }
    });
    await old.close(true);

    const upgraded = await openDatabase(portalSchema, { url, poolMax: 2 });
    try {
      const rows: { name: string; account_number: string; email: string }[] = await upgraded.em
        .getConnection()
        .execute(`select o.name, o.account_number, p.email from portal.organization o
                  join portal.professional p on p.organization_id = o.id order by o.name`);
      expect(rows.map((r) => [r.name, r.email])).toEqual([
        ['Org 0', 'ann0@northwind.example'],
        ['Org 1', 'ann1@northwind.example'],
      ]);
      for (const row of rows) expect(row.account_number).toMatch(/^[1-9][0-9]{7}$/);
      expect(new Set(rows.map((r) => r.account_number)).size).toBe(2);
      const [requests] = await upgraded.em
        .getConnection()
        .execute('select count(*)::int as n from portal.access_request');
      expect(requests).toEqual({ n: 0 });
    } finally {
      await upgraded.close(true);
    }
  });

  it('a database of the version before verified domains and last sign-ins keeps its professionals, none signed in yet', async () => {
    const url = await createEmptyDatabase();
    const shipped = portalSchema.migrations.slice(
      0,
      portalSchema.migrations.findIndex((m) => m.name === '0004-verified-domains'),
    );
    expect(shipped.map((m) => m.name).at(-1)).toBe('0003-two-step-policy');
    const old = await openDatabase({ ...portalSchema, migrations: shipped }, { url, poolMax: 2 });
    const org = '2f3a6e74-0b5c-4d80-9e43-7b4c9d5e1f32';
    const admin = '3a4b7f85-1c6d-4e91-8f54-8c5d0e6f2a43';
    const conn = old.em.getConnection();
    await conn.transactional(async (tx) => {
      await conn.execute(
        `insert into portal.organization (id, name, kind, billing_contact_id, shipping_contact_id, requires_two_step, created_at)
         values ('${org}', 'Contoso', 'customer', '${admin}', '${admin}', true, now())`,
        [],
        'run',
        tx,
      );
      await conn.execute(
        `insert into portal.professional (id, organization_id, given_name, family_name, email, is_administrator, status, idp_issuer, idp_subject, created_at, updated_at)
         values ('${admin}', '${org}', 'Bo', 'Li', 'bo@contoso.example', true, 'active', 'http://idp.test', 'sub-bo', now(), now())`,
        [],
        'run',
        tx,
      );
    });
    await old.close(true);

    const upgraded = await openDatabase(portalSchema, { url, poolMax: 2 });
    try {
      const rows = await upgraded.em.getConnection().execute(
        `select o.name, o.requires_two_step, p.email, p.status, p.last_sign_in_at,
                (select count(*)::int from portal.verified_domain) as domains
           from portal.organization o join portal.professional p on p.organization_id = o.id`,
      );
      expect(rows).toEqual([
        {
          name: 'Contoso',
          requires_two_step: true,
          email: 'bo@contoso.example',
          status: 'active',
          last_sign_in_at: null,
          domains: 0,
        },
      ]);
    } finally {
      await upgraded.close(true);
    }
  });

  it('a database of the version before access reviews keeps its organizations and audit events; each gets the default review settings, its first review one period on', async () => {
    const url = await createEmptyDatabase();
    const before = portalSchema.migrations.slice(
      0,
      portalSchema.migrations.findIndex((m) => m.name === '0007-access-reviews'),
    );
    expect(before.map((m) => m.name).at(-1)).toBe('0006-access-requests');
    const old = await openDatabase({ ...portalSchema, migrations: before }, { url, poolMax: 2 });
    const org = '2f3a6e74-0b5c-4d80-9e43-7b4c9d5e1f32';
    const admin = '3a4b7f85-1c6d-4e91-8f54-8c5d0e6f2a43';
    const conn = old.em.getConnection();
    await conn.transactional(async (tx) => {
      for (const sql of [
        `insert into portal.organization (id, name, kind, account_number, billing_contact_id, shipping_contact_id, created_at)
         values ('${org}', 'Tailspin', 'customer', '31415926', '${admin}', '${admin}', now() - interval '3 years')`,
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

  it('a database of the version before professional search upgrades and keeps its professionals, found by search', async () => {
    const url = await createEmptyDatabase();
    const before = portalSchema.migrations.slice(
      0,
      portalSchema.migrations.findIndex((m) => m.name === '0008-professional-search'),
    );
    expect(before.map((m) => m.name).at(-1)).toBe('0007-access-reviews');
    const old = await openDatabase({ ...portalSchema, migrations: before }, { url, poolMax: 2 });
    const org = '2f3a6e74-0b5c-4d8a-9e43-7b4c9d5e1f32';
    const admin = '3a4b7f85-1c6d-4e9b-8f54-8c5d0e6f2a43';
    const conn = old.em.getConnection();
    await conn.transactional(async (tx) => {
      await conn.execute(
        `insert into portal.organization (id, name, kind, account_number, billing_contact_id, shipping_contact_id, created_at)
         values ('${org}', 'Northwind', 'customer', '27182818', '${admin}', '${admin}', now())`,
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
