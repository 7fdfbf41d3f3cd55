import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { contosoUnderAttack } from '../support/contoso-under-attack.ts';
import { csrfTokenOf } from '../support/html-page.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';
import { usernameOf } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

/**
 * CSRF on every portal form (OWASP A01, ASVS 3.5.1): a post without the token, with an empty one,
 * the attacker's own, one under another name, twice, in the query string, as JSON, or without the
 * CSRF cookie is refused with 403 and changes nothing; the back-channel logout, which has no token,
 * takes only a logout token the IdP signed; the administrator with the right token can do it all.
 */
describe('every portal form refuses a post without its own CSRF token', () => {
  const contoso = contosoUnderAttack();
  const { profile } = contoso;
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let stranger: OrganizationAdmin;
  let victimId: string;
  beforeAll(() => {
    ({ idp, portal, admin, stranger, victimId } = contoso);
  });

  const forms = () => {
    const base = `/accounts/${admin.organization.id}/professionals`;
    return [
      ['add a professional', base, profile()],
      ['edit a professional', `${base}/${victimId}`, { ...profile(), givenName: 'Hijacked' }],
      ['send an invitation', `${base}/${victimId}/invite`, {}],
      ['delete a professional', `${base}/${victimId}/delete`, {}],
      ['sign out', '/sign-out', {}],
    ] as const;
  };

  it.each([
    ['without a token', () => ({})],
    ['with an empty token', () => ({ _csrf: '' })],
    [
      'with the attacker’s own valid token',
      async () => ({ _csrf: csrfTokenOf((await stranger.browser.get(`${portal.url}/`)).html) }),
    ],
    [
      'with a token of another form field name',
      async () => ({ csrf: csrfTokenOf((await admin.browser.get(`${portal.url}/`)).html) }),
    ],
    [
      'with the token twice (array)',
      async () => {
        const t = csrfTokenOf((await stranger.browser.get(`${portal.url}/`)).html);
        return { '_csrf[0]': t, '_csrf[1]': t };
      },
    ],
  ])(
    'every form posted %s is refused with 403 and changes nothing; the victim stays signed in',
    async (_name, token) => {
      const before = await portalState(portal);
      const extra = await token();
      for (const [label, path, fields] of forms()) {
        const page = await admin.browser.post(`${portal.url}${path}`, { ...fields, ...extra });
        expect(page.status, label).toBe(403);
        expect(page.html).toContain('This form has expired or was sent from another site');
      }
      expect(await portalState(portal)).toBe(before);
      expect(usernameOf(await admin.browser.get(`${portal.url}/`))).toBe('Admin Contoso');
    },
  );

  it('a token in the query string, a JSON body, or a form without the CSRF cookie is refused', async () => {
    const before = await portalState(portal);
    const token = csrfTokenOf((await admin.browser.get(`${portal.url}/`)).html);
    const cookie = ['portal_session', 'portal_csrf']
      .map((name) => `${name}=${admin.browser.cookie(portal.url, name)}`)
      .join('; ');
    for (const [label, path, fields] of forms()) {
      const inQuery = await fetch(`${portal.url}${path}?_csrf=${token}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields as Record<string, string>),
        redirect: 'manual',
      });
      expect(inQuery.status, label).toBe(403);
      const json = await fetch(`${portal.url}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ ...fields, _csrf: token }),
        redirect: 'manual',
      });
      expect(json.status, label).toBe(403);
      const noCsrfCookie = await fetch(`${portal.url}${path}`, {
        method: 'POST',
        headers: {
          cookie: `portal_session=${admin.browser.cookie(portal.url, 'portal_session')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ ...fields, _csrf: token }),
        redirect: 'manual',
      });
      expect(noCsrfCookie.status, label).toBe(403);
    }
    expect(await portalState(portal)).toBe(before);
    expect(usernameOf(await admin.browser.get(`${portal.url}/`))).toBe('Admin Contoso');
  });

  it('the back-channel logout endpoint (no CSRF token: server to server) accepts only a logout token signed by the IdP', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const events = { 'http://schemas.openid.net/event/backchannel-logout': {} };
    const unsigned = `${b64({ alg: 'none' })}.${b64({ iss: idp.issuer, aud: 'gatehouse-portal', iat: Math.floor(Date.now() / 1000), sub: 'x', events })}.`;
    for (const token of ['', 'x.y.z', unsigned, `${unsigned}c2ln`]) {
      const page = await browserlessClient().post(`${portal.url}/backchannel-logout`, {
        logout_token: token,
      });
      expect(page.status).toBe(400);
    }
    expect(usernameOf(await admin.browser.get(`${portal.url}/`))).toBe('Admin Contoso');
  });

  it('the administrator, with the right token, can do all of it: the refusals above were not an accident', async () => {
    const token = csrfTokenOf((await admin.browser.get(`${portal.url}/`)).html);
    const page = await admin.browser.post(
      `${portal.url}/accounts/${admin.organization.id}/professionals/${victimId}/invite`,
      { _csrf: token },
    );
    expect(page.status).toBe(200);
    expect(page.html).toContain('The invitation e-mail is on its way');
  });
});
