import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from './browserless-client.ts';
import { csrfOf, query } from './idp-account.ts';
import { startTestIdp, type TestIdp } from './idp-instance.ts';
import { TEST_REDIRECT_URI } from './oidc-client.ts';

/** The IdP the hostile-input suites attack, and what its browserless clients sent and received. */
export interface IdpHostileClient {
  /** The IdP, started in `beforeAll`. */
  readonly idp: TestIdp;
  /** "Partner App", registered with `TEST_REDIRECT_URI`. */
  readonly app: { client_id: string; client_secret: string };
  /** The `fetch` of before the watch: requests it sends are neither watched nor recorded. */
  readonly realFetch: typeof fetch;
  /** The last Cookie header a browserless client sent, by origin. */
  readonly sentCookie: ReadonlyMap<string, string>;
  /** Every Set-Cookie line a browserless client received; empty it to watch from now on. */
  readonly setCookies: string[];
  /** Everything a form could change: accounts, e-mailed secrets, sessions and grants, mails. */
  everything(): Promise<Record<'accounts' | 'secrets' | 'sessions' | 'mails', unknown[]>>;
  /** A fresh sign-in page: its browser, the URL its forms post under, its CSRF token. */
  signInPage(): Promise<{ browser: BrowserlessClient; page: Page; prefix: string; csrf: string }>;
}

/**
 * Call inside a `describe`: registers its hooks to start an IdP with "Partner App" for the block
 * (closing it after), to watch `fetch` for the cookies the browserless client sends and receives,
 * and to clear the mail cool-down before each test, so every test can send its mails.
 */
export function idpHostileClient(): IdpHostileClient {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  const setCookies: string[] = [];
  const sentCookie = new Map<string, string>();
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
    // Watch what the browserless client sends and receives: its cookies, and every Set-Cookie.
    globalThis.fetch = async (input, init) => {
      const cookie = (init?.headers as Record<string, string> | undefined)?.cookie;
      if (cookie) sentCookie.set(new URL(String(input)).origin, cookie);
      const res = await realFetch(input, init);
      setCookies.push(...res.headers.getSetCookie());
      return res;
    };
  });
  beforeEach(async () => {
    await query(idp, 'delete from idp.mail_cooldown');
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await idp?.close();
  });

  return {
    get idp() {
      return idp;
    },
    get app() {
      return app;
    },
    realFetch,
    sentCookie,
    setCookies,
    async everything() {
      return {
        accounts: await query(idp, 'select * from idp.account order by id'),
        secrets: await query(idp, 'select id, consumed_at, expires_at from idp.email_secret order by id'),
        sessions: await query(
          idp,
          `select id from idp.oidc_payload where model in ('Session', 'Grant') order by id`,
        ),
        mails: await query(idp, 'select id from idp.outbox_mail order by id'),
      };
    },
    async signInPage() {
      const browser = browserlessClient();
      const page = await browser.get(`${idp.issuer}/account`);
      return { browser, page, prefix: page.url, csrf: csrfOf(page, '/login') };
    },
  };
}
