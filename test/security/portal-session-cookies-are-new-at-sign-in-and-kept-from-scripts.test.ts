import { beforeAll, describe, expect, it } from 'vitest';
import { portalClientUris } from '../../config/portal-client-uris.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import {
  acceptBySigningUp,
  invitationLink,
  type PortalPerson,
  usernameOf,
} from '../support/portal-people.ts';
import { portalSessionsUnderAttack } from '../support/portal-sessions-under-attack.ts';
import { parsedSetCookies, setCookieNamed } from '../support/set-cookie.ts';

/**
 * The portal's session cookies: a new session id at sign-in and at an invitation's claim (session
 * fixation), the one before worthless; HttpOnly, SameSite=Lax and host-only, the id random and
 * stored hashed; in production mode __Host- and Secure, with HSTS.
 */
describe('portal session cookies are new at every sign-in, host-only and kept from scripts', () => {
  const world = portalSessionsUnderAttack();
  const { portalSessionRow, signedInAs, sql } = world;
  let idp: TestIdp;
  let portal: TestPortal;
  let member: PortalPerson;
  beforeAll(() => {
    ({ idp, portal, member } = world);
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
    expect(await portalSessionRow(planted)).toBeUndefined();
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
    expect(await portalSessionRow(planted)).toBeUndefined();
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
    expect(await portalSessionRow(id)).toBeDefined();
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
      redirectUris: portalClientUris(publicUrl).redirectUris,
      postLogoutRedirectUris: portalClientUris(publicUrl).postLogoutRedirectUris,
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
});
