import type { AdapterConstructor } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../adapters/db/database.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createOidcAdapter } from '../../idp/storage/oidc-adapter.ts';
import { createTestDatabase } from '../support/database.ts';

describe('client metadata kept briefly by each IdP instance', () => {
  let orm: Database;
  let Adapter: AdapterConstructor;
  beforeAll(async () => {
    orm = await openDatabase(idpSchema, { url: await createTestDatabase(), poolMax: 2 });
    Adapter = createOidcAdapter(orm, { clientCacheMs: 300 });
  });
  afterAll(() => orm.close(true));

  const writeBehindItsBack = (id: string, name: string) =>
    orm.em
      .getConnection()
      .execute(
        `update idp.oidc_payload set payload = jsonb_set(payload, '{client_name}', to_jsonb(?::text)) where model = 'Client' and id = ?`,
        [name, id],
      );

  it('serves a client from memory within the window and reads it again after', async () => {
    const clients = new Adapter('Client');
    await clients.upsert('app-1', { client_id: 'app-1', client_name: 'First' }, 0);
    expect((await clients.find('app-1'))?.client_name).toBe('First');
    await writeBehindItsBack('app-1', 'Changed elsewhere');
    expect((await clients.find('app-1'))?.client_name).toBe('First');
    await new Promise((ok) => setTimeout(ok, 350));
    expect((await clients.find('app-1'))?.client_name).toBe('Changed elsewhere');
  });

  it('sees a registration through this instance at once', async () => {
    const clients = new Adapter('Client');
    await clients.upsert('app-2', { client_id: 'app-2', client_name: 'Before' }, 0);
    await clients.find('app-2');
    await clients.upsert('app-2', { client_id: 'app-2', client_name: 'After' }, 0);
    expect((await clients.find('app-2'))?.client_name).toBe('After');
  });

  it('does not remember that a client is unknown', async () => {
    const clients = new Adapter('Client');
    expect(await clients.find('app-3')).toBeUndefined();
    await new Adapter('Client').upsert('app-3', { client_id: 'app-3' }, 0);
    expect(await clients.find('app-3')).toBeDefined();
  });
});
