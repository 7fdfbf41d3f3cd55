import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import { type PortalPerson, usernameOf } from '../support/portal-people.ts';
import { portalSessionsUnderAttack } from '../support/portal-sessions-under-attack.ts';

/**
 * The portal as an OIDC relying party, attacked on the way back from the IdP: login CSRF, state,
 * nonce and iss tampering (RFC 9700, RFC 9207). Each callback is refused and signs nobody in.
 */
describe('the portal refuses a sign-in callback tampered with or started in another browser', () => {
  const world = portalSessionsUnderAttack();
  const { callbackOf, callbackPrefix } = world;
  let idp: TestIdp;
  let portal: TestPortal;
  let member: PortalPerson;
  beforeAll(() => {
    ({ idp, portal, member } = world);
  });

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
});
