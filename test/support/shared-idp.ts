import { afterAll, beforeAll, beforeEach } from 'vitest';
import { query } from './idp-account.ts';
import { startTestIdp, type TestIdp } from './idp-instance.ts';
import { TEST_REDIRECT_URI } from './oidc-client.ts';

/** The IdP a `describe` block shares, and the third-party app registered at it. */
export interface SharedIdp {
  /** The IdP, started in `beforeAll`. */
  readonly idp: TestIdp;
  /** "Partner App", registered with `TEST_REDIRECT_URI`. */
  readonly app: { client_id: string; client_secret: string };
}

/**
 * Call inside a `describe`: registers its hooks to start an IdP with "Partner App" for the block
 * (closing it after), and to clear the mail cool-down before each test, so every test can send its
 * mails. Read `idp` and `app` in a `beforeAll` of the block, after this one has run.
 *
 * @example
 *   const shared = sharedIdp();
 *   let idp: TestIdp;
 *   beforeAll(() => ({ idp } = shared));
 */
export function sharedIdp(): SharedIdp {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
  });
  beforeEach(async () => {
    await query(idp, 'delete from idp.mail_cooldown');
  });
  afterAll(async () => {
    await idp?.close();
  });
  return {
    get idp() {
      return idp;
    },
    get app() {
      return app;
    },
  };
}
