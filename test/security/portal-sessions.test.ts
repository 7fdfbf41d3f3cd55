import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { createOrganization } from '../../portal/organizations/organizations.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import {
  acceptBySigningUp,
  invitationLink,
  organizationAdmin,
  type PortalPerson,
  usernameOf,
} from '../support/portal-people.ts';
import { parsedSetCookies, setCookieNamed } from '../support/set-cookie.ts';

/**
 * The portal as an OIDC relying party and its sessions, attacked from the browser side: login CSRF,
 * state/nonce/iss tampering on the way back from the IdP, session fixation, cookie flags, sign-out
 * and session lifetimes. Each attack is refused and leaves the victim signed out (or as they were).
 */
describe('portal sign-in and sessions under attack', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let member: PortalPerson;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    member = await organizationAdmin(idp, portal, 'Sessions Inc');
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const callbackPrefix = () => `${portal.url}/auth/callback`;
  const sql = <T>(query: string, params: unknown[] = []) =>
    portal.domain.orm.em.getConnection().execute<T[]>(query, params);
  const hashOf = (id: string) => createHash('sha256').update(id).digest('base64url');
  const sessionRow = async (cookie: string) =>
    (
      await sql<{ data: Record<string, unknown>; expires_at: string | Date }>(
        'select data, expires_at from portal.portal_session where id_hash = ?',
        [hashOf(cookie)],
      )
    )[0];
  const signedInAs = async (cookie: string) =>
    usernameOf({
      html: await (await fetch(`${portal.url}/`, { headers: { cookie: `portal_session=${cookie}` } })).text(),
    } as Page);

  /** A fresh browser signed in as the member; the IdP login form is submitted by `browser`. */
  const signIn = async (browser: BrowserlessClient = browserlessClient()) => {
    const form = await browser.get(`${portal.url}/sign-in`);
    const home = await browser.submit(
      form,
      { email: member.person.email, password: member.person.password },
      '/login',
    );
    return { browser, home, cookie: browser.cookie(portal.url, 'portal_session')! };
  };

  /** Sign in at the IdP but stop before the portal's callback: the URL an attacker would hold. */
  const callbackOf = async (browser: BrowserlessClient) => {
    browser.stopAt.push(callbackPrefix());
    const stopped = await signIn(browser);
    browser.stopAt.splice(0);
    expect(stopped.home.url.startsWith(callbackPrefix()), stopped.home.url).toBe(true);
    return new URL(stopped.home.url);
  };

  it('login CSRF: a callback URL (code and state) started in the attacker browser does not sign the victim in', async () => {
    const attacker = browserlessClient();
    const callback = await callbackOf(attacker);
    const victim = browserlessClient();
    await victim.get(`${portal.url}/extranet-login`);
    const landed = await victim.get(callback.href);
    expect(landed.status).toBe(400);
    expect(landed.html).toContain('That sign-in took too long or was started in another window');
    expect(usernameOf(await victim.get(`${portal.url}/`))).toBeUndefined();
    expect(victim.cookie(portal.url, 'portal_session')).toBeUndefined();
    // The same URL in the browser that started it works: the refusal came from the state binding.
    expect(usernameOf(await attacker.get(callback.href))).toBe('Admin Sessions Inc');
  });

  it('state mismatch at the portal: a callback with another state is refused and signs nobody in', async () => {
    const browser = browserlessClient();
    const callback = await callbackOf(browser);
    for (const state of ['', 'forged', `${callback.searchParams.get('state')}x`]) {
      const tampered = new URL(callback);
      tampered.searchParams.set('state', state);
      const page = await browser.get(tampered.href);
      expect(page.status, state).toBe(400);
      expect(usernameOf(page)).toBeUndefined();
    }
    const noState = new URL(callback);
    noState.searchParams.delete('state');
    expect((await browser.get(noState.href)).status).toBe(400);
    expect(usernameOf(await browser.get(`${portal.url}/`))).toBeUndefined();
  });

  it('nonce mismatch at the portal: an authorization request whose nonce was swapped is refused', async () => {
    const browser = browserlessClient();
    browser.stopAt.push(`${idp.issuer}/auth?`);
    const authorize = new URL((await browser.get(`${portal.url}/sign-in`)).url);
    browser.stopAt.splice(0);
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    authorize.searchParams.set('nonce', 'attacker-chosen-nonce');
    const form = await browser.get(authorize.href);
    const back = await browser.submit(
      form,
      { email: member.person.email, password: member.person.password },
      '/login',
    );
    expect(back.url.startsWith(callbackPrefix())).toBe(true);
    expect(back.status).toBe(400);
    expect(back.html).toContain('We could not complete the sign-in');
    expect(usernameOf(await browser.get(`${portal.url}/`))).toBeUndefined();
  });

  it('mix-up: the authorization response must carry the IdP’s own iss (RFC 9207); another or none is refused', async () => {
    const cases: [string, (url: URL) => void][] = [
      ['another issuer', (url) => url.searchParams.set('iss', 'https://evil.example')],
      ['the issuer with a trailing slash', (url) => url.searchParams.set('iss', `${idp.issuer}/`)],
      ['no iss', (url) => url.searchParams.delete('iss')],
    ];
    for (const [name, tamper] of cases) {
      const browser = browserlessClient();
      const callback = await callbackOf(browser);
      expect(callback.searchParams.get('iss')).toBe(idp.issuer);
      tamper(callback);
      const page = await browser.get(callback.href);
      expect(page.status, name).toBe(400);
      expect(page.html).toContain('We could not complete the sign-in');
      expect(usernameOf(await browser.get(`${portal.url}/`)), name).toBeUndefined();
    }
  });

  it('session fixation: sign-in gives a new session id, and the one before it is worthless', async () => {
    const browser = browserlessClient();
    const form = await browser.get(`${portal.url}/sign-in`);
    const planted = browser.cookie(portal.url, 'portal_session')!;
    expect(planted).toMatch(/^[\w-]{43}$/);
    const home = await browser.submit(
      form,
      { email: member.person.email, password: member.person.password },
      '/login',
    );
    expect(usernameOf(home)).toBe('Admin Sessions Inc');
    const after = browser.cookie(portal.url, 'portal_session')!;
    expect(after).not.toBe(planted);
    expect(await sessionRow(planted)).toBeUndefined();
    expect(await signedInAs(planted)).toBeUndefined();
    expect(await signedInAs(after)).toBe('Admin Sessions Inc');
  });

  it('session fixation: claiming an invitation gives a new session id too', async () => {
    const person = newPerson({ givenName: 'Fix', familyName: 'Ation' });
    await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: 'Fixation Ltd',
      admin: { givenName: person.givenName, familyName: person.familyName, email: person.email },
    });
    const link = await invitationLink(idp, portal, person.email);
    const browser = browserlessClient();
    browser.stopAt.push(`${idp.issuer}/`);
    await browser.get(link);
    browser.stopAt.splice(0);
    const planted = browser.cookie(portal.url, 'portal_session')!;
    expect(planted).toMatch(/^[\w-]{43}$/);
    const joined = await acceptBySigningUp(idp, link, person, browser);
    expect(usernameOf(joined.home)).toBe('Fix Ation');
    const after = browser.cookie(portal.url, 'portal_session')!;
    expect(after).not.toBe(planted);
    expect(await sessionRow(planted)).toBeUndefined();
    expect(await signedInAs(planted)).toBeUndefined();
  });

  it('cookies: the session and CSRF cookies are HttpOnly, SameSite=Lax, host-only with Path=/; the id is random and stored hashed', async () => {
    const res = await fetch(`${portal.url}/sign-in`, { redirect: 'manual' });
    const cookies = res.headers.getSetCookie();
    for (const name of ['portal_session', 'portal_csrf']) {
      const cookie = setCookieNamed(cookies, name);
      expect(cookie, name).toBeDefined();
      expect(cookie?.httpOnly, name).toBe(true);
      expect(cookie?.sameSite, name).toBe('lax');
      expect(cookie?.path, name).toBe('/');
      expect(cookie?.domain, `${name} is host-only`).toBeNull();
    }
    const id = setCookieNamed(cookies, 'portal_session')!.value;
    expect(await sessionRow(id)).toBeDefined();
    expect((await sql('select 1 from portal.portal_session where id_hash = ?', [id])).length).toBe(0);
  });

  it('cookies in production mode (https PORTAL_URL): __Host- prefix, Secure, HttpOnly, SameSite; HSTS on every answer', async () => {
    const production = await startTestPortal(
      idp,
      { PORTAL_URL: 'https://portal.example', TRUST_PROXY: 'true' },
      { clientId: 'portal-production-mode' },
    );
    try {
      // As a TLS-terminating proxy forwards it: the scheme and the host the browser asked for.
      const viaProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'portal.example' };
      const res = await fetch(`${production.url}/sign-in`, { redirect: 'manual', headers: viaProxy });
      expect(res.status).toBe(303);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{8,}/);
      const cookies = res.headers.getSetCookie();
      for (const name of ['__Host-portal_session', '__Host-portal_csrf']) {
        const cookie = setCookieNamed(cookies, name);
        expect(cookie, `${name} in ${cookies.join(' | ')}`).toBeDefined();
        expect(cookie?.secure, name).toBe(true);
        expect(cookie?.httpOnly, name).toBe(true);
        expect(cookie?.sameSite, name).toBe('lax');
        expect(cookie?.path, name).toBe('/');
        expect(cookie?.domain, `${name} is host-only`).toBeNull();
      }
      const names = parsedSetCookies(cookies).map((cookie) => cookie.key);
      expect(names.some((name) => name === 'portal_session' || name === 'portal_csrf')).toBe(false);
      const notFound = await fetch(`${production.url}/nowhere`, { headers: viaProxy });
      expect(notFound.status).toBe(404);
      expect(notFound.headers.get('strict-transport-security')).toMatch(/max-age=/);
    } finally {
      await production.close();
    }
    expect((await fetch(`${portal.url}/`)).headers.get('strict-transport-security')).toBeNull();
  });

  it('the remembered sign-in option cookie is __Host- in production mode too', async () => {
    const publicUrl = 'https://portal.example';
    const client = await idp.registerClient({
      name: 'CustomerSource',
      clientId: 'portal-production-remember',
      redirectUris: [`${publicUrl}/auth/callback`],
      postLogoutRedirectUris: [`${publicUrl}/`],
      firstParty: true,
    });
    const production = await startTestPortal(
      idp,
      {
        PORTAL_URL: publicUrl,
        TRUST_PROXY: 'true',
        PORTAL_CLIENT_ID: client.client_id,
        PORTAL_CLIENT_SECRET: client.client_secret!,
      },
      { clientId: 'portal-production-remember-unused' },
    );
    try {
      const viaProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': new URL(publicUrl).host };
      const start = await fetch(`${production.url}/sign-in`, { redirect: 'manual', headers: viaProxy });
      expect(start.status).toBe(303);
      const portalCookies = parsedSetCookies(start.headers.getSetCookie())
        .map((cookie) => cookie.cookieString())
        .join('; ');
      // The IdP side in a browser; the way back to the portal goes through the (simulated) proxy.
      const browser = browserlessClient();
      browser.stopAt.push(`${publicUrl}/`);
      const login = await browser.get(start.headers.get('location')!);
      const back = new URL(
        (
          await browser.submit(
            login,
            { email: member.person.email, password: member.person.password },
            '/login',
          )
        ).url,
      );
      expect(back.pathname).toBe('/auth/callback');
      const callback = await fetch(`${production.url}${back.pathname}${back.search}`, {
        redirect: 'manual',
        headers: { ...viaProxy, cookie: portalCookies },
      });
      expect(callback.status).toBe(303);
      const cookies = callback.headers.getSetCookie();
      const cookie = setCookieNamed(cookies, '__Host-portal_signin_option');
      expect(cookie, cookies.join(' | ')).toBeDefined();
      expect(cookie?.secure).toBe(true);
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe('lax');
      expect(cookie?.path).toBe('/');
      expect(cookie?.domain, 'host-only').toBeNull();
      expect(setCookieNamed(cookies, 'portal_signin_option')).toBeUndefined();
    } finally {
      await production.close();
    }
  });

  it('sign-out ends the session server-side: the row is deleted and the old cookie is worthless', async () => {
    const { browser, home, cookie } = await signIn();
    expect(usernameOf(home)).toBe('Admin Sessions Inc');
    expect(await sessionRow(cookie)).toBeDefined();
    browser.stopAt.push(`${idp.issuer}/`);
    const out = await browser.submit(home, {}, '/sign-out');
    expect(out.url.startsWith(`${idp.issuer}/session/end`)).toBe(true);
    expect(await sessionRow(cookie)).toBeUndefined();
    expect(await signedInAs(cookie)).toBeUndefined();
    expect(browser.cookie(portal.url, 'portal_session')).toBeUndefined();
    // Sign-out is a POST with the CSRF token: a link or an image cannot sign anyone out.
    expect((await fetch(`${portal.url}/sign-out`, { redirect: 'manual' })).status).toBe(405);
  });

  it('cross-JWT confusion: the portal’s own ID token posted as a back-channel logout token ends no session', async () => {
    const { cookie } = await signIn();
    const idToken = String(((await sessionRow(cookie))!.data.signedIn as { idToken: string }).idToken);
    expect(idToken.split('.')).toHaveLength(3);
    const res = await fetch(`${portal.url}/backchannel-logout`, {
      method: 'POST',
      body: new URLSearchParams({ logout_token: idToken }),
    });
    expect(res.status).toBe(400);
    expect(await signedInAs(cookie)).toBe('Admin Sessions Inc');
  });

  it('idle lifetime: a session unused for an hour is over, and the row is gone', async () => {
    const { cookie } = await signIn();
    const row = (await sessionRow(cookie))!;
    expect(new Date(row.expires_at).getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    await sql(
      `update portal.portal_session set data = jsonb_set(data, '{seenAt}', to_jsonb(?::bigint)) where id_hash = ?`,
      [Date.now() - 3601_000, hashOf(cookie)],
    );
    expect(await signedInAs(cookie)).toBeUndefined();
    expect(await sessionRow(cookie)).toBeUndefined();
  });

  it('idle lifetime slides with use: a request within the hour keeps the session and moves its deadline', async () => {
    const { cookie } = await signIn();
    const seenAt = Date.now() - 59 * 60_000;
    await sql(
      `update portal.portal_session set data = jsonb_set(data, '{seenAt}', to_jsonb(?::bigint)) where id_hash = ?`,
      [seenAt, hashOf(cookie)],
    );
    expect(await signedInAs(cookie)).toBe('Admin Sessions Inc');
    const row = (await sessionRow(cookie))!;
    expect(Number(row.data.seenAt)).toBeGreaterThan(seenAt + 58 * 60_000);
    expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
  });

  it('absolute lifetime: eight hours after sign-in the session is over, however active', async () => {
    const { cookie } = await signIn();
    await sql(
      `update portal.portal_session set data = jsonb_set(data, '{createdAt}', to_jsonb(?::bigint)) where id_hash = ?`,
      [Date.now() - 8 * 3600_000 - 1000, hashOf(cookie)],
    );
    expect(await signedInAs(cookie)).toBeUndefined();
    expect(await sessionRow(cookie)).toBeUndefined();
  });

  it('a session cookie that is not one of ours (guessed, too long, injected) is ignored', async () => {
    for (const value of ['a'.repeat(43), 'x', `${'a'.repeat(43)}; evil=1`, "' or 1=1 --", 'a'.repeat(5000)]) {
      const res = await fetch(`${portal.url}/accounts`, {
        redirect: 'manual',
        headers: { cookie: `portal_session=${encodeURIComponent(value)}` },
      });
      expect(res.status, value.slice(0, 20)).toBe(303);
      expect(res.headers.get('location')).toBe('/sign-in?returnTo=%2Faccounts');
    }
  });
});
