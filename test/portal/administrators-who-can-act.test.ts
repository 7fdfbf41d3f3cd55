import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import type { Page } from '../support/browserless-client.ts';
import { documentOf, linkTo } from '../support/html-page.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { type NewPerson, newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import {
  acceptBySigningUp,
  invitationLink,
  organizationAdmin,
  type PortalPerson,
} from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

type Admin = Awaited<ReturnType<typeof organizationAdmin>>;

const lastBound = (name: string) =>
  `${name} is the only Administrator of this account who has signed in: the other Administrators have not accepted their invitation yet, so nobody could manage the account. Ask another Administrator to open their invitation e-mail and sign in (Send Invite E-mail sends a new one), or ask your partner contact; then try again.`;

/** The refusal shown on the page: its stable code and its message. */
const alertOf = (page: Page) => {
  const alert = documentOf(page.html).querySelector('p.alert[role="alert"][data-code]');
  return { status: page.status, code: alert?.getAttribute('data-code'), message: alert?.text };
};

/**
 * DESIGN "Administrators who can act": the last Administrator bound to an IdP account cannot
 * delete themself or drop their role while the others are only invited, unless a linked partner
 * has a bound Administrator; through the real portal.
 */
describe('administrators who can act', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const orgPath = (admin: Admin) => `${portal.url}/accounts/${admin.organization.id}`;
  const ownProfile = async (admin: Admin) =>
    admin.browser.get(
      linkTo(await admin.browser.get(orgPath(admin)), `${admin.person.givenName} ${admin.person.familyName}`),
    );
  const deleteSelf = async (admin: Admin) =>
    admin.browser.submit(await admin.browser.get(linkTo(await ownProfile(admin), 'Delete')), {}, '/delete');
  /** Edit / Save of their own profile with every role box left unchecked. */
  const dropOwnRole = async (admin: Admin) => {
    const form = await admin.browser.get(linkTo(await ownProfile(admin), 'Edit'));
    const { givenName, familyName, email } = admin.person;
    return admin.browser.submit(form, { givenName, familyName, email }, '/professionals/');
  };
  /** An organization whose signed-in admin gave the mandatory roles to a second, only invited, Administrator. */
  const withInvitedSecondAdmin = async (name: string): Promise<Admin & { invited: NewPerson }> => {
    const admin = await organizationAdmin(idp, portal, name);
    const invited = newPerson({ givenName: 'Ivy', familyName: name });
    const form = await admin.browser.get(`${orgPath(admin)}/professionals/new`);
    const added = await admin.browser.submit(
      form,
      {
        givenName: invited.givenName,
        familyName: invited.familyName,
        email: invited.email,
        administrator: 'yes',
        billingContact: 'yes',
        shippingContact: 'yes',
        sendInvitation: 'yes',
      },
      '/professionals',
    );
    expect(added.html).toMatch(/<dt>Roles<\/dt><dd>Administrator, Billing Contact, Shipping Contact<\/dd>/);
    return { ...admin, invited };
  };
  const isAdministrator = async (email: string) =>
    (await portal.domain.orm.em.fork().findOneOrFail(Professional, { email })).isAdministrator;

  it('the only Administrator who has signed in cannot delete themself while the other is only invited', async () => {
    const admin = await withInvitedSecondAdmin('Northwind');
    const before = await portalState(portal);
    const refused = await deleteSelf(admin);
    expect(alertOf(refused)).toEqual({
      status: 409,
      code: 'LAST_BOUND_ADMINISTRATOR',
      message: lastBound('Admin Northwind'),
    });
    expect(await portalState(portal)).toBe(before);
    expect((await admin.browser.get(orgPath(admin))).status).toBe(200);
  });

  it('nor drop their own Administrator role, with the same code and message on the form', async () => {
    const admin = await withInvitedSecondAdmin('Litware');
    const before = await portalState(portal);
    const refused = await dropOwnRole(admin);
    expect(alertOf(refused)).toEqual({
      status: 409,
      code: 'LAST_BOUND_ADMINISTRATOR',
      message: lastBound('Admin Litware'),
    });
    expect(await portalState(portal)).toBe(before);
    expect(await isAdministrator(admin.person.email)).toBe(true);
  });

  it('once the other Administrator has signed in, the first may drop their role, and then loses the administration', async () => {
    const admin = await withInvitedSecondAdmin('Adatum');
    const ivy: PortalPerson = await acceptBySigningUp(
      idp,
      await invitationLink(idp, portal, admin.invited.email),
      admin.invited,
    );
    expect((await ivy.browser.get(orgPath(admin))).status).toBe(200);
    await dropOwnRole(admin);
    expect(await isAdministrator(admin.person.email)).toBe(false);
    expect((await admin.browser.get(orgPath(admin))).status).toBe(404);
  });

  it('a linked partner counts once one of its Administrators has signed in; then the customer’s admin may delete themself', async () => {
    const admin = await withInvitedSecondAdmin('Tailspin');
    const partnerAdmin = newPerson({ givenName: 'Val', familyName: 'Partner' });
    const partner = await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: 'Tailspin Partner',
      kind: 'partner',
      admin: {
        givenName: partnerAdmin.givenName,
        familyName: partnerAdmin.familyName,
        email: partnerAdmin.email,
      },
    });
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: admin.organization.id,
    });
    // The partner's only Administrator is invited, not signed in: nobody there could act either.
    const before = await portalState(portal);
    expect(alertOf(await deleteSelf(admin)).code).toBe('LAST_BOUND_ADMINISTRATOR');
    expect(await portalState(portal)).toBe(before);

    await acceptBySigningUp(idp, await invitationLink(idp, portal, partnerAdmin.email), partnerAdmin);
    const deleted = await deleteSelf(admin);
    expect(deleted.status).toBe(403);
    expect(await portal.domain.orm.em.fork().count(Professional, { email: admin.person.email })).toBe(0);
  });
});
