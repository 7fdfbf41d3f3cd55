import { describe, expect, it } from 'vitest';
import { newPerson } from '../support/oidc-client.ts';
import {
  administratorInBrowser,
  openUserMenu,
  portalInBrowser,
  signUpFromSignInPage,
  usernameShown,
} from '../support/portal-browser.ts';
import { saveScreenshot } from '../support/screenshots.ts';

describe('J16-J17 in Chromium: a new person requests access by account number, an administrator approves', () => {
  const journey = portalInBrowser();

  it('sign up → the J12 page → Request access → the administrator sees the count and the request → Approve with a role → the next page load is the portal home', async () => {
    const { idp, portal, browser } = journey;
    const admin = await administratorInBrowser(browser, idp, portal, 'Fabrikam Foods');
    const { page: adminPage } = admin;
    await openUserMenu(adminPage, admin.name);
    await adminPage.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await adminPage.getByRole('link', { name: 'Fabrikam Foods' }).click();
    await adminPage.getByRole('heading', { name: 'Access requests' }).waitFor();
    expect(await adminPage.getByText('No one is waiting for access.').isVisible()).toBe(true);
    const accountNumber = ((await adminPage.locator('#account-number').textContent()) ?? '').trim();
    expect(accountNumber).toMatch(/^[1-9][0-9]{7}$/);

    // A new person: Sign In, Sign up now at the IdP, and back on the portal, a member of nothing.
    const person = newPerson({ givenName: 'Noor', familyName: 'Haddad' });
    const page = await journey.newPage();
    await page.goto(`${portal.url}/`);
    await openUserMenu(page, 'Welcome, User');
    await page.getByRole('link', { name: 'Sign In' }).click();
    await signUpFromSignInPage(page, idp, person);
    await page.waitForURL(`${portal.url}/`);
    await page.getByRole('heading', { name: 'You do not have access to CustomerSource yet' }).waitFor();
    await page.getByRole('heading', { name: 'Request access' }).waitFor();

    await page.getByLabel('Account number').fill(accountNumber);
    await page.getByLabel('Message (optional)').fill('I joined the Lyon warehouse team this week.');
    await saveScreenshot(page, '10-request-access.png');
    await page.getByRole('button', { name: 'Request access', exact: true }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Your request is sent.');
    const mine = page.getByRole('row', { name: /Fabrikam Foods/ });
    expect(await mine.getByRole('cell').last().textContent()).toBe('pending');

    // The administrator: the count on Our CustomerSource Accounts, then the request itself.
    await openUserMenu(adminPage, admin.name);
    await adminPage.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await adminPage.getByRole('link', { name: '1 pending access request' }).click();
    const row = adminPage.getByRole('row', { name: new RegExp(person.email) });
    await row.waitFor();
    expect(await row.textContent()).toContain('Noor Haddad');
    expect(await row.textContent()).toContain('I joined the Lyon warehouse team this week.');
    await row.getByLabel('Shipping Contact').check();
    await saveScreenshot(adminPage, '11-access-requests.png');
    await row.getByRole('button', { name: 'Approve' }).click();
    await adminPage.getByRole('status').waitFor();
    expect(await adminPage.getByRole('status').textContent()).toContain('Approved.');
    const professional = adminPage.getByRole('row', { name: new RegExp(person.email) }).first();
    expect(await professional.textContent()).toContain('Shipping Contact');
    expect(await professional.getByRole('cell').last().textContent()).toBe('active');

    // The person's next page load: the portal home, with the organization.
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome, Noor Haddad' }).waitFor();
    expect(await usernameShown(page)).toBe('Noor Haddad');
    expect(await page.getByRole('main').textContent()).toContain('Fabrikam Foods');
    await page.getByRole('link', { name: 'Licensing' }).click();
    await page.getByRole('heading', { name: 'Licensing' }).waitFor();

    const mail = await idp.smtp.waitForMail((m) => m.to === person.email && m.subject.includes('approved'));
    expect(mail.subject).toBe('Your access to CustomerSource for Fabrikam Foods was approved');
    expect(mail.links).toContain(`${portal.url}/`);
  });
});
