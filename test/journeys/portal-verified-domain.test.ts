import { afterAll, describe, expect, it } from 'vitest';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { newPerson } from '../support/oidc-client.ts';
import {
  administratorInBrowser,
  openUserMenu,
  portalInBrowser,
  signUpFromSignInPage,
  usernameShown,
  waitForOrigin,
} from '../support/portal-browser.ts';
import { startTestPortal } from '../support/portal-instance.ts';
import { saveScreenshot } from '../support/screenshots.ts';

describe('J18 in Chromium: an administrator verifies the organization’s domain and lets its people join automatically', () => {
  let dns: TestDnsServer;
  const journey = portalInBrowser({
    portal: async (idp) => {
      dns = await startTestDnsServer();
      return startTestPortal(idp, { DNS_SERVERS: dns.address });
    },
  });
  afterAll(async () => {
    await dns?.close();
  });

  it('Add domain → the TXT record, published → Verify → Join automatically; a new person of the domain signs up and lands in the portal as a professional; the administrators are e-mailed', async () => {
    const { idp, portal, browser } = journey;
    const domain = `northwind-${Date.now().toString(36)}.test`;
    const admin = await administratorInBrowser(browser, idp, portal, 'Northwind Traders');
    const { page } = admin;

    await openUserMenu(page, admin.name);
    await page.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await page.getByRole('link', { name: 'Northwind Traders' }).click();
    await page.getByRole('heading', { name: 'Verified domains' }).waitFor();
    await page.getByLabel('Domain').fill(domain);
    await page.getByRole('button', { name: 'Add domain' }).click();

    await page.getByRole('heading', { name: `Verified domains: ${domain}` }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe(
      'Added. Publish the TXT record below, then select Verify.',
    );
    const name = (await page.locator('#txt-name').textContent())!;
    const value = (await page.locator('#txt-value').textContent())!;
    expect(name).toBe(`_gatehouse-challenge.${domain}`);
    expect(value).toMatch(/^gatehouse-domain-verification=/);
    expect(await page.locator('#zone-line').textContent()).toBe(`${name}. 3600 IN TXT "${value}"`);
    await saveScreenshot(page, '12-verified-domain-txt-record.png');

    // The administrator publishes the record at their DNS provider.
    dns.setTxt(name, [value]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Verified. The domain is this organization’s').waitFor();
    expect(await page.getByText('Status: verified').count()).toBe(1);

    await page.getByLabel('Join automatically').check();
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Saved.');
    expect(await page.getByLabel('Join automatically').isChecked()).toBe(true);
    await saveScreenshot(page, '13-verified-domain-join-automatically.png');

    // Someone of the domain, with no account yet and no invitation, signs in from the home page.
    const grace = newPerson({ givenName: 'Grace', familyName: 'Hopper', email: `grace.hopper@${domain}` });
    const newcomer = await journey.newPage();
    await newcomer.goto(`${portal.url}/`);
    await openUserMenu(newcomer, 'Welcome, User');
    await newcomer.getByRole('link', { name: 'Sign In' }).click();
    await waitForOrigin(newcomer, idp.issuer);
    await signUpFromSignInPage(newcomer, idp, grace);
    await newcomer.waitForURL(`${portal.url}/`);
    expect(await usernameShown(newcomer)).toBe('Grace Hopper');
    await newcomer.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    expect(await newcomer.getByText('Northwind Traders').count()).toBe(1);
    await newcomer.getByRole('link', { name: 'Licensing' }).click();
    await newcomer.waitForURL(/\/licensing$/);

    const mail = await idp.smtp.waitForMail(
      (m) => m.to === admin.person.email && m.subject.includes(grace.email),
    );
    expect(mail.subject).toBe(`${grace.email} joined Northwind Traders by its verified domain`);

    await page.getByRole('link', { name: '← Northwind Traders' }).click();
    const row = page.getByRole('row', { name: new RegExp(grace.email) });
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('');
    expect(await row.getByRole('cell').last().textContent()).toBe('active');
    await page.getByRole('heading', { name: 'Verified domains' }).scrollIntoViewIfNeeded();
    await saveScreenshot(page, '14-verified-domains-section.png');
  });
});
