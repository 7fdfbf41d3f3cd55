import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { linkPartner } from '../../portal/organizations/organizations.ts';
import {
  addProfessional,
  deleteProfessional,
  updateProfessional,
} from '../../portal/professionals/professionals.ts';
import { NO_ROLES } from '../../portal/professionals/profile-input.ts';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { csrfTokenOf } from '../support/html-page.ts';
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
import { portalState } from '../support/portal-state.ts';

type Admin = Awaited<ReturnType<typeof organizationAdmin>>;

/**
 * Broken access control at the portal (OWASP A01): every administration route tried with another
 * organization's ids, as a non-admin member, as a partner of another customer, and with the old
 * session of a removed or demoted person; mass assignment; CSRF on every form. Each is a 404 (or
 * 403), and nothing changes.
 */
describe('portal authorization under attack', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: Admin;
  let stranger: Admin;
  let partner: Admin;
  let victimId: string;

  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    admin = await organizationAdmin(idp, portal, 'Contoso');
    stranger = await organizationAdmin(idp, portal, 'Fabrikam');
    partner = await organizationAdmin(idp, portal, 'Encore', 'partner');
    const theirCustomer = await organizationAdmin(idp, portal, 'Northwind');
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: theirCustomer.organization.id,
    });
    const victim = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Vic', familyName: 'Tim', email: newPerson().email },
      sendInvitation: false,
    });
    victimId = victim.professional.id;
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  /** A person who joins Contoso as a plain member (no role), signed in. */
  const joinContoso = async (givenName: string): Promise<PortalPerson & { id: string }> => {
    const person = newPerson({ givenName, familyName: 'Member' });
    const before = idp.smtp.messages.length;
    const { professional } = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName, familyName: 'Member', email: person.email },
    });
    const joined = await acceptBySigningUp(
      idp,
      await invitationLink(idp, portal, person.email, before),
      person,
    );
    expect(usernameOf(joined.home)).toBe(`${givenName} Member`);
    return { ...joined, id: professional.id };
  };

  const profile = (email = newPerson().email) => ({
    givenName: 'Mallory',
    familyName: 'Attacker',
    email,
    administrator: 'yes',
    billingContact: 'yes',
    shippingContact: 'yes',
  });

  /** Every administration route of Contoso, against `professionalId`, as GET or POST. */
  const adminRoutes = (orgId: string, professionalId: string) => {
    const base = `/accounts/${orgId}/professionals`;
    return [
      ['GET', `/accounts/${orgId}`],
      ['GET', `${base}/new`],
      ['POST', base],
      ['GET', `${base}/${professionalId}`],
      ['GET', `${base}/${professionalId}/edit`],
      ['POST', `${base}/${professionalId}`],
      ['POST', `${base}/${professionalId}/invite`],
      ['GET', `${base}/${professionalId}/delete`],
      ['POST', `${base}/${professionalId}/delete`],
    ] as [method: 'GET' | 'POST', path: string][];
  };

  /** Try every route as `browser` (with its own valid CSRF token); returns the statuses by route. */
  const attack = async (browser: BrowserlessClient, routes: ReturnType<typeof adminRoutes>) => {
    const token = csrfTokenOf((await browser.get(`${portal.url}/`)).html);
    const statuses: Record<string, number> = {};
    for (const [method, path] of routes) {
      const page =
        method === 'GET'
          ? await browser.get(`${portal.url}${path}`)
          : await browser.post(`${portal.url}${path}`, { _csrf: token, ...profile() });
      statuses[`${method} ${path}`] = page.status;
      expect(page.html).not.toContain('Vic Tim');
    }
    return statuses;
  };

  const allEqual = (statuses: Record<string, number>, status: number) =>
    expect(statuses).toEqual(Object.fromEntries(Object.keys(statuses).map((k) => [k, status])));

  it('IDOR: an administrator of another organization gets 404 on every route of this one, and changes nothing', async () => {
    const before = await portalState(portal);
    allEqual(await attack(stranger.browser, adminRoutes(admin.organization.id, victimId)), 404);
    // Their own organization in the path, this organization's professional as the target.
    allEqual(await attack(stranger.browser, adminRoutes(stranger.organization.id, victimId).slice(3)), 404);
    for (const path of [`/org/${admin.organization.id}/licensing`, `/org/${admin.organization.id}/support`]) {
      expect((await stranger.browser.get(`${portal.url}${path}`)).status, path).toBe(404);
    }
    expect(await portalState(portal)).toBe(before);
    // The same routes work for Contoso's own administrator: the 404s above are refusals.
    expect(
      (await admin.browser.get(`${portal.url}/accounts/${admin.organization.id}/professionals/${victimId}`))
        .status,
    ).toBe(200);
  });

  it('a partner that is not this customer’s partner gets 404 everywhere; /accounts does not list the customer', async () => {
    const before = await portalState(portal);
    allEqual(await attack(partner.browser, adminRoutes(admin.organization.id, victimId)), 404);
    const accounts = await partner.browser.get(`${portal.url}/accounts`);
    expect(accounts.html).toContain('Northwind');
    expect(accounts.html).not.toContain('Contoso');
    expect(await portalState(portal)).toBe(before);
  });

  it('a member who is not an administrator gets 404 on every administration route of their own organization', async () => {
    const member = await joinContoso('Plain');
    const before = await portalState(portal);
    allEqual(await attack(member.browser, adminRoutes(admin.organization.id, victimId)), 404);
    allEqual(await attack(member.browser, adminRoutes(admin.organization.id, member.id)), 404);
    expect((await member.browser.get(`${portal.url}/accounts`)).html).toContain(
      'You do not administer any account',
    );
    expect((await member.browser.get(`${portal.url}/org/${admin.organization.id}/licensing`)).status).toBe(
      200,
    );
    expect(await portalState(portal)).toBe(before);
  });

  it('a removed administrator’s old session opens nothing; a demoted one loses the administration at once', async () => {
    const removed = await joinContoso('Removed');
    const demoted = await joinContoso('Demoted');
    for (const p of [removed, demoted]) {
      await updateProfessional(portal.domain, {
        actor: SYSTEM_ACTOR,
        organizationId: admin.organization.id,
        professionalId: p.id,
        profile: { givenName: p.person.givenName, familyName: 'Member', email: p.person.email },
        roles: { ...NO_ROLES, administrator: true },
      });
      expect((await p.browser.get(`${portal.url}/accounts/${admin.organization.id}`)).status).toBe(200);
    }
    const removedToken = csrfTokenOf((await removed.browser.get(`${portal.url}/`)).html);
    await deleteProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      professionalId: removed.id,
    });
    await updateProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      professionalId: demoted.id,
      profile: { givenName: 'Demoted', familyName: 'Member', email: demoted.person.email },
      roles: NO_ROLES,
    });
    const before = await portalState(portal);
    const routes = adminRoutes(admin.organization.id, victimId);
    for (const [method, path] of routes) {
      const page =
        method === 'GET'
          ? await removed.browser.get(`${portal.url}${path}`)
          : await removed.browser.post(`${portal.url}${path}`, { _csrf: removedToken, ...profile() });
      expect(page.status, `${method} ${path}`).toBe(403);
      expect(page.html).toContain('You do not have access');
    }
    expect((await removed.browser.get(`${portal.url}/org/${admin.organization.id}/licensing`)).status).toBe(
      403,
    );
    allEqual(await attack(demoted.browser, routes), 404);
    expect(await portalState(portal)).toBe(before);
  });

  it('mass assignment: fields the form does not offer (status, identity, organization, ids) are ignored', async () => {
    const token = csrfTokenOf((await admin.browser.get(`${portal.url}/`)).html);
    const extra = {
      status: 'active',
      idpIssuer: idp.issuer,
      idpSubject: 'attacker-subject',
      idp_subject: 'attacker-subject',
      organization: stranger.organization.id,
      organizationId: stranger.organization.id,
      organization_id: stranger.organization.id,
      id: stranger.organization.id,
      isAdministrator: 'true',
      billingContactId: victimId,
      createdAt: '2000-01-01',
      'givenName[]': 'Array',
      ['__proto__']: 'x',
      'constructor[prototype][polluted]': 'yes',
    };
    const email = newPerson().email;
    const added = await admin.browser.post(`${portal.url}/accounts/${admin.organization.id}/professionals`, {
      _csrf: token,
      givenName: 'Mass',
      familyName: 'Assigned',
      email,
      ...extra,
    });
    expect(added.status).toBe(200);
    const conn = portal.domain.orm.em.getConnection();
    const [row] = await conn.execute<Record<string, unknown>[]>(
      'select * from portal.professional where email = ?',
      [email],
    );
    expect(row).toMatchObject({
      organization_id: admin.organization.id,
      status: 'not_invited',
      idp_issuer: null,
      idp_subject: null,
      is_administrator: false,
    });
    const orgBefore = await conn.execute('select * from portal.organization where id = ?', [
      admin.organization.id,
    ]);
    const edited = await admin.browser.post(
      `${portal.url}/accounts/${admin.organization.id}/professionals/${row!.id}`,
      { _csrf: token, givenName: 'Mass', familyName: 'Edited', email, ...extra },
    );
    expect(edited.status).toBe(200);
    const [after] = await conn.execute<Record<string, unknown>[]>(
      'select * from portal.professional where id = ?',
      [row!.id],
    );
    expect(after).toMatchObject({ ...row, family_name: 'Edited', updated_at: after!.updated_at });
    expect(
      await conn.execute('select * from portal.organization where id = ?', [admin.organization.id]),
    ).toEqual(orgBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('CSRF on every portal form', () => {
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
