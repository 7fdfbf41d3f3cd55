import { afterAll, beforeAll } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from './browserless-client.ts';
import { csrfOf, query } from './idp-account.ts';
import type { TestIdp } from './idp-instance.ts';
import { sharedIdp } from './shared-idp.ts';

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
 * Call inside a `describe`: the hooks of `sharedIdp` (an IdP with "Partner App" for the block, the
 * mail cool-down cleared before each test), and a watch on `fetch` for the cookies the browserless
 * client sends and receives.
 */
export function idpHostileClient(): IdpHostileClient {
  const shared = sharedIdp();
  const setCookies: string[] = [];
  const sentCookie = new Map<string, string>();
  const realFetch = globalThis.fetch;

  beforeAll(() => {
    // Watch what the browserless client sends and receives: its cookies, and every Set-Cookie.
    globalThis.fetch = async (input, init) => {
      const cookie = (init?.headers as Record<string, string> | undefined)?.cookie;
      if (cookie) sentCookie.set(new URL(String(input)).origin, cookie);
      const res = await realFetch(input, init);
      setCookies.push(...res.headers.getSetCookie());
      return res;
    };
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
  });

  return {
    get idp() {
      return shared.idp;
    },
    get app() {
      return shared.app;
    },
    realFetch,
    sentCookie,
    setCookies,
    async everything() {
      return {
        accounts: await query(shared.idp, 'select * from idp.account order by id'),
        secrets: await query(
          shared.idp,
          'select id, consumed_at, expires_at from idp.email_secret order by id',
        ),
        sessions: await query(
          shared.idp,
          `select id from idp.oidc_payload where model in ('Session', 'Grant') order by id`,
        ),
        mails: await query(shared.idp, 'select id from idp.outbox_mail order by id'),
      };
    },
    async signInPage() {
      const browser = browserlessClient();
      const page = await browser.get(`${shared.idp.issuer}/account`);
      return { browser, page, prefix: page.url, csrf: csrfOf(page, '/login') };
    },
  };
}
