import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/db/database.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createEmptyDatabase } from '../support/database.ts';

describe('the IdP schema upgrades in place', () => {
  it('a database filled by the version before back-channel logout deliveries upgrades at start-up and keeps every row', async () => {
    const url = await createEmptyDatabase();
    const before = idpSchema.migrations.filter((m) => m.name !== '0007-backchannel-logouts');
    expect(before).toHaveLength(idpSchema.migrations.length - 1);
    const old = await openDatabase({ ...idpSchema, migrations: before }, { url, poolMax: 2 });
    const conn = old.em.getConnection();
    await conn.execute(
      `insert into idp.account (id, email, email_verified, given_name, family_name, birthdate, password_hash,
         terms_accepted_at, sessions_valid_after, created_at, updated_at)
       values ('6f1c1a52-5d3c-4f39-9f0e-0a4a8f1d2b11', 'ada@example.com', true, 'Ada', 'Lovelace', '1985-12-10',
         'x', now(), now(), now(), now())`,
    );
    await conn.execute(
      `insert into idp.oidc_payload (model, id, payload) values ('Grant', 'g1', '{"accountId": "6f1c1a52-5d3c-4f39-9f0e-0a4a8f1d2b11"}')`,
    );
    await old.close(true);

    const upgraded = await openDatabase(idpSchema, { url, poolMax: 2 });
    try {
      const next = upgraded.em.getConnection();
      expect(await next.execute(`select email, disabled_at from idp.account`)).toEqual([
        { email: 'ada@example.com', disabled_at: null },
      ]);
      expect(await next.execute(`select id from idp.oidc_payload`)).toEqual([{ id: 'g1' }]);
      expect(await next.execute(`select count(*)::int as n from idp.backchannel_logout`)).toEqual([{ n: 0 }]);
    } finally {
      await upgraded.close(true);
    }
  });

  it('a database of the version before second factors upgrades at start-up and keeps its accounts', async () => {
    const url = await createEmptyDatabase();
    const before = idpSchema.migrations.filter((m) => m.name !== '0008-second-factors');
    expect(before).toHaveLength(idpSchema.migrations.length - 1);
    const old = await openDatabase({ ...idpSchema, migrations: before }, { url, poolMax: 2 });
    await old.em.getConnection().execute(
      `insert into idp.account (id, email, email_verified, given_name, family_name, birthdate, password_hash,
         terms_accepted_at, sessions_valid_after, created_at, updated_at)
       values ('6f1c1a52-5d3c-4f39-9f0e-0a4a8f1d2b11', 'ada@example.com', true, 'Ada', 'Lovelace', '1985-12-10',
         'x', now(), now(), now(), now())`,
    );
    await old.close(true);

    const upgraded = await openDatabase(idpSchema, { url, poolMax: 2 });
    try {
      const next = upgraded.em.getConnection();
      expect(await next.execute(`select email from idp.account`)).toEqual([{ email: 'ada@example.com' }]);
      for (const table of ['passkey', 'authenticator_app', 'recovery_code', 'passkey_challenge'])
        expect(await next.execute(`select count(*)::int as n from idp.${table}`)).toEqual([{ n: 0 }]);
    } finally {
      await upgraded.close(true);
    }
  });
});
