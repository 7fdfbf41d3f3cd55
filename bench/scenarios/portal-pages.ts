import { CookieJar, expectStatus, type HttpTarget, pathOf, redirectTarget } from '../http-client.ts';
import type { Iteration } from '../load-runner.ts';
import type { BenchAccount } from '../seed.ts';
import type { PortalSeed } from '../seed-portal.ts';
import { signInAtIdp, withPassword } from './code-flow.ts';

/** What the portal scenario gets to build its virtual users. */
export interface PortalScenarioContext {
  /** Keep-alive connections to the portal, as many as the scenario has virtual users. */
  readonly portal: HttpTarget;
  /** Connections to the IdP, for signing the members in. */
  readonly idp: HttpTarget;
  readonly seed: PortalSeed;
}

/** The portal's session cookie behind a TLS-terminating proxy (`sessionCookieName(true)`). */
const SESSION_COOKIE = '__Host-portal_session';

/**
 * 5. Gated portal pages: each virtual user is a different member of the organization, signed in
 * once through the real flow, loading the organization's licensing page over and over (session
 * lookup, membership check, licences read, page rendered). Every answer must be the licensing
 * page of that organization, not a sign-in redirect or the "no access yet" page.
 */
export const portalPages = {
  id: 'portal-pages',
  number: 5,
  title: 'Gated portal page (licensing)',
  users: 16,
  async prepare({ portal, idp, seed }: PortalScenarioContext): Promise<Iteration[]> {
    if (seed.members.length < this.users) throw new Error(`only ${seed.members.length} members seeded`);
    const path = `/org/${seed.organizationId}/licensing`;
    const heading = `Licensing: ${seed.organizationName}`;
    const cookies = await Promise.all(
      seed.members.slice(0, this.users).map((member) => signInToPortal(portal, idp, member)),
    );
    return cookies.map((cookie) => {
      const headers = { cookie };
      return async () => {
        const reply = expectStatus(await portal.get(path, { headers }), 200, 'licensing page');
        if (!reply.body.includes(heading)) throw new Error(`licensing page: no "${heading}" in the page`);
      };
    });
  },
};

/**
 * A member signing in to the portal with a fresh browser: Sign In → the IdP's sign-in page and
 * password form → the portal's callback (which exchanges the code at the IdP, through the TLS
 * proxy) → home. Returns the `Cookie` header that browser then sends the portal: the session
 * cookie and the CSRF cookie the portal set on the way (a browser keeps it, so the pages do not
 * mint a new one each time).
 */
export async function signInToPortal(
  portal: HttpTarget,
  idp: HttpTarget,
  member: BenchAccount,
): Promise<string> {
  const jar = new CookieJar();
  const start = await portal.get('/sign-in');
  jar.keep(start);
  const authorize = redirectTarget(start, 'portal sign-in');
  const back = await signInAtIdp(idp, new CookieJar(), pathOf(authorize), withPassword(member));
  if (back.pathname !== '/auth/callback')
    throw new Error(`sign-in: back to ${back}, not the portal callback`);
  const callback = await portal.get(pathOf(back), { headers: jar.header() });
  jar.keep(callback);
  const home = redirectTarget(callback, 'portal callback');
  if (home.pathname !== '/') throw new Error(`portal callback: sent to ${home}, not home`);
  const cookies = jar.header().cookie ?? '';
  if (!cookies.split('; ').some((c) => c.startsWith(`${SESSION_COOKIE}=`)))
    throw new Error(`portal callback: no ${SESSION_COOKIE} cookie set`);
  return cookies;
}
