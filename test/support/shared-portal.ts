import { afterAll, beforeAll } from 'vitest';
import { startTestIdp, type TestIdp } from './idp-instance.ts';
import { startTestPortal, type TestPortal } from './portal-instance.ts';

/** The IdP and the portal on it that a `describe` block shares. */
export interface SharedPortal {
  /** The IdP, started in `beforeAll`. */
  readonly idp: TestIdp;
  /** The portal, started on that IdP in the same `beforeAll`. */
  readonly portal: TestPortal;
}

/**
 * Call inside a `describe` (or a world built on it): registers its hooks to start an IdP and a
 * portal on it for the block, and to close both after. `beforeAll` hooks registered after this
 * call run after it (vitest runs them in order), so they can add organizations to the portal.
 * `env`, called once the IdP runs, may start what the portal is pointed at (a DNS server, say) and
 * overrides the portal's environment with what it resolves to.
 */
export function sharedPortal(options: { env?: () => Promise<Record<string, string>> } = {}): SharedPortal {
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp, await options.env?.());
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });
  return {
    get idp() {
      return idp;
    },
    get portal() {
      return portal;
    },
  };
}
