import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { newPerson } from '../support/oidc-client.ts';
import {
  administratorInBrowser,
  openUserMenu,
  portalInBrowser,
  signUpFromSignInPage,
} from '../support/portal-browser.ts';
import { invitationLink } from '../support/portal-people.ts';

describe('J7 in Chromium: an administrator deletes a professional', () => {
  const journey = portalInBrowser();
  let admin: Awaited<ReturnType<typeof administratorInBrowser>>;

  beforeAll(async () => {
    admin = await administratorInBrowser(journey.browser, journey.idp, journey.portal, 'Adventure Works');
  });

  /** A professional added by the administrator who accepted the invitation and is signed in. */
  async function signedInProfessional(givenName: string, roles = { billingContact: false }) {
    const { idp, portal } = journey;
    const person = newPerson({ givenName, familyName: 'Lee' });
    await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName, familyName: 'Lee', email: person.email },
      roles: { administrator: false, shippingContact: false, ...roles },
    });
    const page = await journey.newPage();
    await page.goto(await invitationLink(idp, portal, person.email));
    await signUpFromSignInPage(page, idp, person);
    await page.waitForURL(`${portal.url}/`);
    return { person, page, name: `${givenName} Lee` };
  }

  /** Username menu → Our CustomerSource Accounts → the account → the professional's name. */
  async function openProfile(page: Page, name: string): Promise<void> {
    await page.goto(`${journey.portal.url}/`);
    await openUserMenu(page, admin.name);
    await page.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await page.getByRole('link', { name: 'Adventure Works' }).click();
    await page.getByRole('link', { name }).click();
    await page.getByRole('heading', { name: `CustomerSource Profile: ${name}` }).waitFor();
  }

  it('profile → Delete → confirm: removed from the list, and their next request is refused', async () => {
    const member = await signedInProfessional('Sam');
    await member.page.getByRole('link', { name: 'Licensing' }).click();
    await member.page.getByRole('heading', { name: 'Licensing: Adventure Works' }).waitFor();

    const { page } = admin;
    await openProfile(page, member.name);
    for (const action of ['Edit', 'Send Invite E-mail', 'Delete'])
      expect(await page.getByRole('button', { name: action }).isVisible(), action).toBe(true);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Delete Sam Lee?' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain(
      'will lose access to Adventure Works at once',
    );
    await page.getByRole('button', { name: 'Delete' }).click();

    await page.getByRole('heading', { name: 'Adventure Works' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe(
      'The professional was deleted. Their access has ended.',
    );
    expect(await page.getByRole('row', { name: new RegExp(member.person.email) }).count()).toBe(0);

    const next = await member.page.reload();
    expect(next?.status()).toBe(403);
    await member.page
      .getByRole('heading', { name: 'You do not have access to CustomerSource yet' })
      .waitFor();
    expect(await member.page.getByRole('main').textContent()).not.toContain('License key');
  });

  it('deleting the Billing Contact holder is refused, saying to give the role to someone else first', async () => {
    const billing = await signedInProfessional('Bea', { billingContact: true });
    const { page } = admin;
    await openProfile(page, billing.name);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Delete Bea Lee?' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain(
      'Billing Contact and Shipping Contact are mandatory roles. To delete a professional with one of these roles, first assign the role to another professional.',
    );
    await page.getByRole('button', { name: 'Delete' }).click();

    await page.getByRole('heading', { name: 'CustomerSource Profile: Bea Lee' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(
      'Bea Lee is the Billing Contact, a mandatory role. To remove it, first give the Billing Contact role to another professional; then you can continue.',
    );
    await page.getByRole('link', { name: '← Adventure Works' }).click();
    expect(await page.getByRole('row', { name: new RegExp(billing.person.email) }).textContent()).toContain(
      'Billing Contact',
    );
    await billing.page.reload();
    await billing.page.getByRole('heading', { name: 'Welcome, Bea Lee' }).waitFor();
  });
});
