import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';

describe('health checks for the load balancer', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());

  it('/healthz answers while the process is alive', async () => {
    const response = await fetch(`${idp.issuer}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is ready when the database answers and every migration is applied', async () => {
    const response = await fetch(`${idp.issuer}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready' });
  });

  it('/readyz says not ready when a committed migration is missing from the database', async () => {
    const conn = idp.running.orm.em.getConnection();
    const [last] = await conn.execute<{ id: number; name: string }[]>(
      `select id, name from idp.schema_migrations order by id desc limit 1`,
    );
    await conn.execute(`delete from idp.schema_migrations where id = ?`, [last!.id]);
    try {
      const response = await fetch(`${idp.issuer}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'migrations pending' });
    } finally {
      await conn.execute(`insert into idp.schema_migrations (id, name) values (?, ?)`, [
        last!.id,
        last!.name,
      ]);
    }
  });
});
