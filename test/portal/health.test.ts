import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';

describe('portal health checks for the load balancer', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  it('/healthz answers and /readyz reports the database ready with every migration applied', async () => {
    expect(await (await fetch(`${portal.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${portal.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});
