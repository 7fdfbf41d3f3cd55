import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import {
  addProfessional,
  deleteProfessional,
  updateProfessional,
} from '../../portal/professionals/professionals.ts';
import { NO_ROLES } from '../../portal/professionals/profile-input.ts';
import type { BrowserlessClient } from '../support/browserless-client.ts';
import { documentOf, textsOf } from '../support/html-page.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { acceptBySigningIn, organizationAdmin } from '../support/portal-people.ts';

type Admin = Awaited<ReturnType<typeof organizationAdmin>>;

/**
 * The members' pages read the session, the person's memberships and the organization's licences
 * with prepared statements on every request (no cache): what the database says now is what the
 * next page shows, and a member of one organization never sees another's.
 */
describe('member pages follow the database on every request', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let zeta: Admin;
  let alpha: Admin;
  let other: Admin;
  /** Zeta's administrator, also a plain professional of Alpha, signed in afresh. */
  let both: BrowserlessClient;
  let inAlphaId: string;

  const page = (browser: BrowserlessClient, path: string) => browser.get(`${portal.url}${path}`);
  const licensing = (org: Admin) => `/org/${org.organization.id}/licensing`;
  const keysOf = async (org: Admin) => {
    const rows = await portal.domain.orm.em
      .getConnection()
      .execute<{ license_key: string; product: string; renewal: string }[]>(
        `select license_key, product, to_char(renewal_date, 'YYYY-MM-DD') as renewal from portal.license
         where organization_id = ? order by renewal_date, product`,
        [org.organization.id],
      );
    return rows;
  };

  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    // Named so that the order by name differs from the order of creation.
    zeta = await organizationAdmin(idp, portal, 'Zeta Works');
    alpha = await organizationAdmin(idp, portal, 'Alpha Trading');
    other = await organizationAdmin(idp, portal, 'Other Corp');
    const { professional, invitationLink } = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: alpha.organization.id,
      profile: { givenName: 'Admin', familyName: 'Zeta Works', email: zeta.person.email },
    });
    inAlphaId = professional.id;
    const home = await acceptBySigningIn(invitationLink!, zeta.person);
    expect(home.url).toBe(`${portal.url}/`);
    both = zeta.browser;
    // The claim was made in a browser of its own; the admin's first browser is signed in too.
    expect((await page(both, '/')).html).toContain('Alpha Trading');
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  it('the home page lists every organization of the person, by name, each with its own links', async () => {
    const home = await page(both, '/');
    const names = textsOf(home.html, 'li > strong');
    expect(names).toEqual(['Alpha Trading', 'Zeta Works']);
    expect(home.html).toContain(`href="${licensing(alpha)}"`);
    expect(home.html).toContain(`href="${licensing(zeta)}"`);
    expect(home.html).not.toContain(other.organization.id);
  });

  it('each licensing page shows that organization’s licences, in renewal order, and none of another’s', async () => {
    for (const [org, others] of [
      [zeta, [alpha, other]],
      [alpha, [zeta, other]],
    ] as const) {
      const shown = await page(both, licensing(org));
      expect(shown.status).toBe(200);
      expect(shown.html).toContain(`Licensing: ${org.organization.name}`);
      const rows = documentOf(shown.html)
        .querySelectorAll('tbody tr')
        .map((row) => row.querySelectorAll('td').map((cell) => cell.text));
      const expected = await keysOf(org);
      expect(expected).toHaveLength(3);
      expect(rows).toEqual(expected.map((r) => [r.product, r.license_key, r.renewal]));
      for (const stranger of others)
        for (const key of await keysOf(stranger)) expect(shown.html).not.toContain(key.license_key);
    }
  });

  it('an organization the person is not a member of is a 404, its name and keys never shown', async () => {
    for (const path of [licensing(other), `/org/${other.organization.id}/support`]) {
      const refused = await page(both, path);
      expect(refused.status, path).toBe(404);
      expect(refused.html).not.toContain('Other Corp');
    }
    expect((await page(both, '/org/not-a-uuid/licensing')).status).toBe(404);
  });

  it('a renamed organization shows its new name on the very next page', async () => {
    await portal.domain.orm.em
      .getConnection()
      .execute(`update portal.organization set name = 'Alpha Renamed' where id = ?`, [alpha.organization.id]);
    expect((await page(both, licensing(alpha))).html).toContain('Licensing: Alpha Renamed');
    expect((await page(both, '/')).html).toContain('<strong>Alpha Renamed</strong>');
  });

  it('removed from one organization, the next request to it is a 404 while the other still opens', async () => {
    expect((await page(both, licensing(alpha))).status).toBe(200);
    await deleteProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: alpha.organization.id,
      professionalId: inAlphaId,
    });
    expect((await page(both, licensing(alpha))).status).toBe(404);
    expect((await page(both, `/org/${alpha.organization.id}/support`)).status).toBe(404);
    const home = await page(both, '/');
    expect(home.html).not.toContain(alpha.organization.id);
    expect((await page(both, licensing(zeta))).status).toBe(200);
  });

  it('the administrator menu entry goes with the role, on the next page', async () => {
    const menu = 'Our CustomerSource Accounts';
    expect((await page(other.browser, licensing(other))).html).toContain(menu);
    // A second administrator who has signed in first: the last one bound to an IdP account cannot be demoted.
    const { professional } = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: other.organization.id,
      profile: { givenName: 'Second', familyName: 'Admin', email: 'second.admin@example.test' },
      roles: { ...NO_ROLES, administrator: true },
      sendInvitation: false,
    });
    expect(professional.isAdministrator).toBe(true);
    await portal.domain.orm.em
      .getConnection()
      .execute(
        `update portal.professional set status = 'active', idp_issuer = 'https://idp.example', idp_subject = 'second-admin' where id = ?`,
        [professional.id],
      );
    const self = await portal.domain.orm.em
      .getConnection()
      .execute<{ id: string }[]>(
        'select id from portal.professional where organization_id = ? and lower(email) = lower(?)',
        [other.organization.id, other.person.email],
      );
    await updateProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: other.organization.id,
      professionalId: self[0]!.id,
      profile: { givenName: 'Admin', familyName: 'Other Corp', email: other.person.email },
      roles: { ...NO_ROLES, billingContact: true, shippingContact: true },
    });
    const after = await page(other.browser, licensing(other));
    expect(after.status).toBe(200);
    expect(after.html).not.toContain(menu);
  });
});
