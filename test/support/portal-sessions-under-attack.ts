import { createHash } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from './browserless-client.ts';
import type { TestIdp } from './idp-instance.ts';
import type { TestPortal } from './portal-instance.ts';
import { organizationAdmin, type PortalPerson, usernameOf } from './portal-people.ts';
import { sharedPortal } from './shared-portal.ts';

/** The portal whose sign-in and sessions are attacked, its member, and how to read their sessions. */
export interface PortalSessionsUnderAttack {
  readonly idp: TestIdp;
  readonly portal: TestPortal;
  /** The administrator of Sessions Inc ("Admin Sessions Inc"), signed in in a browser of their own. */
  readonly member: PortalPerson;
  /** The portal's callback URL, where the IdP sends the browser back. */
  callbackPrefix(): string;
  /** Rows of a raw SQL query on the portal's database. */
  sql<T>(query: string, params?: unknown[]): Promise<T[]>;
  /** The hash a session id is stored under: the id itself is never stored. */
  sessionIdHash(id: string): string;
  /** The stored session of the `portal_session` cookie value, or undefined once it is gone. */
  portalSessionRow(
    cookie: string,
  ): Promise<{ data: Record<string, unknown>; expires_at: string | Date } | undefined>;
  /** The name the portal shows to a request with only that session cookie; undefined when signed out. */
  signedInAs(cookie: string): Promise<string | undefined>;
  /** Sign in as the member (in a fresh browser, or `browser`); the home page and the session cookie. */
  signInAsMember(
    browser?: BrowserlessClient,
  ): Promise<{ browser: BrowserlessClient; home: Page; cookie: string }>;
  /** Sign in at the IdP but stop before the portal's callback: the URL an attacker would hold. */
  callbackOf(browser: BrowserlessClient): Promise<URL>;
}

/** Call inside a `describe`: registers the hooks that start the portal and sign up its member. */
export function portalSessionsUnderAttack(): PortalSessionsUnderAttack {
  const shared = sharedPortal();
  let member: PortalPerson;
  beforeAll(async () => {
    member = await organizationAdmin(shared.idp, shared.portal, 'Sessions Inc');
  });

  const callbackPrefix = () => `${shared.portal.url}/auth/callback`;
  const sql = <T>(query: string, params: unknown[] = []) =>
    shared.portal.domain.orm.em.getConnection().execute<T[]>(query, params);
  const sessionIdHash = (id: string) => createHash('sha256').update(id).digest('base64url');
  const signInAsMember = async (browser: BrowserlessClient = browserlessClient()) => {
    const form = await browser.get(`${shared.portal.url}/sign-in`);
    const home = await browser.submit(
      form,
      { email: member.person.email, password: member.person.password },
      '/login',
    );
    return { browser, home, cookie: browser.cookie(shared.portal.url, 'portal_session')! };
  };

  return {
    get idp() {
      return shared.idp;
    },
    get portal() {
      return shared.portal;
    },
    get member() {
      return member;
    },
    callbackPrefix,
    sql,
    sessionIdHash,
    signInAsMember,
    async portalSessionRow(cookie) {
      const [row] = await sql<{ data: Record<string, unknown>; expires_at: string | Date }>(
        'select data, expires_at from portal.portal_session where id_hash = ?',
        [sessionIdHash(cookie)],
      );
      return row;
    },
    async signedInAs(cookie) {
      const res = await fetch(`${shared.portal.url}/`, { headers: { cookie: `portal_session=${cookie}` } });
      return usernameOf({ html: await res.text() } as Page);
    },
    async callbackOf(browser) {
      browser.stopAt.push(callbackPrefix());
      const stopped = await signInAsMember(browser);
      browser.stopAt.splice(0);
      expect(stopped.home.url.startsWith(callbackPrefix()), stopped.home.url).toBe(true);
      return new URL(stopped.home.url);
    },
  };
}
