import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { csrfTokenOf, linkTo } from '../support/html-page.ts';
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

describe('organization administration in the portal', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: Awaited<ReturnType<typeof organizationAdmin>>;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    admin = await organizationAdmin(idp, portal, 'Contoso');
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const orgPage = async (who: PortalPerson = admin) => {
    const accounts = await who.browser.get(linkTo(who.home, 'Our CustomerSource Accounts'));
    expect(accounts.html).toContain('<h1>Our CustomerSource Accounts</h1>');
    return who.browser.get(linkTo(accounts, 'Contoso'));
  };

  const addProfessional = async (fields: Record<string, string>) => {
    const form = await admin.browser.get(linkTo(await orgPage(), 'Add New Professionals'));
    return admin.browser.submit(form, fields, '/professionals');
  };

  it('an administrator adds a professional who receives the invitation e-mail and joins (J2, J3)', async () => {
    const page = await orgPage();
    expect(page.html).toContain('Admin Contoso');
    expect(page.html).toMatch(/Administrator, Billing Contact, Shipping Contact/);
    const form = await admin.browser.get(linkTo(page, 'Add New Professionals'));
    expect(form.html).toMatch(/<label for="givenName" class="required">First name<\/label>/);
    expect(form.html).toMatch(/<label for="email" class="required">E-mail<\/label>/);
    expect(form.html).toMatch(/name="sendInvitation" value="yes" checked> Send invitation e-mail/);
    expect(form.html).toContain('<button type="submit">Save</button>');
    const bob = newPerson({ givenName: 'Bob', familyName: 'Builder' });
    const before = idp.smtp.messages.length;
    const profile = await admin.browser.submit(
      form,
      { givenName: 'Bob', familyName: 'Builder', email: bob.email, jobTitle: 'Buyer', sendInvitation: 'yes' },
      '/professionals',
    );
    expect(profile.status).toBe(200);
    expect(profile.html).toContain('The invitation e-mail is on its way');
    expect(profile.html).toMatch(/<dt>Status<\/dt><dd>invited<\/dd>/);
    const joined = await acceptBySigningUp(idp, await invitationLink(idp, portal, bob.email, before), bob);
    expect(usernameOf(joined.home)).toBe('Bob Builder');
    expect(joined.home.html).not.toContain('Our CustomerSource Accounts');
    expect((await orgPage()).html).toMatch(/Bob Builder[\s\S]*?<td>active<\/td>/);
  });

  it('bad input on the form is shown next to the field and adds nobody', async () => {
    const page = await addProfessional({ givenName: '', familyName: 'X', email: 'not-an-email' });
    expect(page.status).toBe(400);
    expect(page.html).toContain('Enter the first name.');
    expect(page.html).toContain('Enter a valid e-mail address');
    const dup = await addProfessional({
      givenName: 'Again',
      familyName: 'Admin',
      email: admin.person.email.toUpperCase(),
    });
    expect(dup.status).toBe(409);
    expect(dup.html).toContain('already belongs to this account');
    expect((await orgPage()).html).not.toContain('Again Admin');
  });

  it('Edit then Save changes the profile; Send Invite E-mail sends a new link and the old one stops working (J6)', async () => {
    const carl = newPerson({ givenName: 'Carl', familyName: 'Sagan' });
    const before = idp.smtp.messages.length;
    const profile = await addProfessional({
      givenName: 'Carl',
      familyName: 'Sagan',
      email: carl.email,
      sendInvitation: 'yes',
    });
    const firstLink = await invitationLink(idp, portal, carl.email, before);
    const edit = await admin.browser.get(linkTo(profile, 'Edit'));
    const saved = await admin.browser.submit(
      edit,
      { givenName: 'Carl', familyName: 'Sagan', email: carl.email, jobTitle: 'Astronomer' },
      '/professionals/',
    );
    expect(saved.html).toContain('Saved.');
    expect(saved.html).toContain('<dd>Astronomer</dd>');
    const resendAt = idp.smtp.messages.length;
    const resent = await admin.browser.submit(saved, {}, '/invite');
    expect(resent.html).toContain('Any earlier link no longer works');
    const secondLink = await invitationLink(idp, portal, carl.email, resendAt);
    expect(secondLink).not.toBe(firstLink);
    const old = await acceptBySigningUp(idp, firstLink, carl);
    expect(old.home.status).toBe(410);
    expect(old.home.html).toContain('replaced by a newer one');
    const fresh = await old.browser.get(secondLink);
    expect(fresh.url).toBe(`${portal.url}/`);
    expect(usernameOf(fresh)).toBe('Carl Sagan');
  });

  it('deleting the Billing Contact is refused with what to do; another professional is deleted and loses access at once (J7)', async () => {
    const self = await admin.browser.get(linkTo(await orgPage(), 'Admin Contoso'));
    const confirm = await admin.browser.get(linkTo(self, 'Delete'));
    expect(confirm.html).toContain('mandatory roles');
    const refused = await admin.browser.submit(confirm, {}, '/delete');
    expect(refused.status).toBe(409);
    expect(refused.html).toContain(
      'is the Billing Contact, a mandatory role. To remove it, first give the Billing Contact role to another professional',
    );

    const dora = newPerson({ givenName: 'Dora', familyName: 'Explorer' });
    const before = idp.smtp.messages.length;
    await addProfessional({
      givenName: 'Dora',
      familyName: 'Explorer',
      email: dora.email,
      sendInvitation: 'yes',
    });
    const member = await acceptBySigningUp(idp, await invitationLink(idp, portal, dora.email, before), dora);
    const licensing = linkTo(member.home, 'Licensing');
    expect((await member.browser.get(licensing)).html).toContain('Dynamics GP');

    const profile = await admin.browser.get(linkTo(await orgPage(), 'Dora Explorer'));
    const gone = await admin.browser.submit(
      await admin.browser.get(linkTo(profile, 'Delete')),
      {},
      '/delete',
    );
    expect(gone.html).toContain('The professional was deleted');
    expect(gone.html).not.toContain('Dora Explorer</a>');
    const after = await member.browser.get(licensing);
    expect(after.status).toBe(403);
    expect(after.html).toContain(`You are signed in as <strong>${dora.email}</strong>`);
  });

  it('giving the Billing Contact role to another professional moves it', async () => {
    const erin = newPerson({ givenName: 'Erin', familyName: 'Moved' });
    const profile = await addProfessional({
      givenName: 'Erin',
      familyName: 'Moved',
      email: erin.email,
      billingContact: 'yes',
    });
    expect(profile.html).toMatch(/<dt>Roles<\/dt><dd>Billing Contact<\/dd>/);
    const page = await orgPage();
    expect(page.html).toMatch(/Admin Contoso[\s\S]*?<td>Administrator, Shipping Contact<\/td>/);
    expect(page.html).toMatch(/role\.moved · Erin Moved/);
  });

  it('a partner administrator manages the customer from the same page (J8); others get 404', async () => {
    const partner = await organizationAdmin(idp, portal, 'Encore', 'partner');
    const stranger = await organizationAdmin(idp, portal, 'Fabrikam');
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: admin.organization.id,
    });
    const accounts = await partner.browser.get(`${portal.url}/accounts`);
    expect(accounts.html).toMatch(/Contoso[\s\S]*Encore/);
    const contoso = await partner.browser.get(linkTo(accounts, 'Contoso'));
    expect(contoso.html).toContain('Admin Contoso');
    for (const path of [
      `/accounts/${admin.organization.id}`,
      `/accounts/${admin.organization.id}/professionals/new`,
      `/org/${admin.organization.id}/licensing`,
      `/accounts/not-a-uuid`,
    ]) {
      expect((await stranger.browser.get(`${portal.url}${path}`)).status, path).toBe(404);
    }
    const posted = await stranger.browser.submit(
      {
        ...(await stranger.browser.get(
          `${portal.url}/accounts/${stranger.organization.id}/professionals/new`,
        )),
      },
      { givenName: 'Sneaky', familyName: 'Add', email: 'sneaky@example.com' },
      '/professionals',
    );
    expect(posted.status).toBe(200);
    const cross = await stranger.browser.post(
      `${portal.url}/accounts/${admin.organization.id}/professionals`,
      {
        _csrf: csrfTokenOf(stranger.home.html),
        givenName: 'Sneaky',
        familyName: 'Add',
        email: 'sneaky2@example.com',
      },
    );
    expect(cross.status).toBe(404);
    expect((await orgPage()).html).not.toContain('Sneaky');
  });

  it('a form posted without its CSRF token is refused and changes nothing', async () => {
    const page = await admin.browser.post(`${portal.url}/accounts/${admin.organization.id}/professionals`, {
      givenName: 'Forged',
      familyName: 'Post',
      email: 'forged@example.com',
    });
    expect(page.status).toBe(403);
    const anonymous = await browserlessClient().post(`${portal.url}/sign-out`, {});
    expect(anonymous.status).toBe(403);
    expect((await orgPage()).html).not.toContain('Forged');
  });
});
