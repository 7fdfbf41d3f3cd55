import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newPerson } from '../support/oidc-client.ts';
import { administratorInBrowser, openUserMenu, portalInBrowser } from '../support/portal-browser.ts';

describe('J2 in Chromium: an administrator adds a professional, who is sent the invitation e-mail', () => {
  const journey = portalInBrowser();

  it('username menu → Our CustomerSource Accounts → the account → Add New Professionals → Save → the e-mail goes out', async () => {
    const { idp, portal, browser } = journey;
    const admin = await administratorInBrowser(browser, idp, portal, 'Northwind Traders');
    const { page } = admin;
    const invitee = newPerson({ givenName: 'Grace', familyName: 'Hopper' });

    await openUserMenu(page, admin.name);
    await page.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await page.getByRole('heading', { name: 'Our CustomerSource Accounts' }).waitFor();
    await page.getByRole('link', { name: 'Northwind Traders' }).click();
    await page.getByRole('heading', { name: 'Professionals with access' }).waitFor();
    expect(await page.getByRole('row', { name: new RegExp(admin.person.email) }).textContent()).toContain(
      'Administrator, Billing Contact, Shipping Contact',
    );

    await page.getByRole('button', { name: 'Add New Professionals' }).click();
    await page.getByRole('heading', { name: 'CustomerSource Profile' }).waitFor();
    for (const label of ['First name', 'Last name', 'E-mail']) {
      expect(await page.getByRole('textbox', { name: label }).getAttribute('required'), label).not.toBeNull();
      expect(await requiredMark(page, label), label).toBe('" *"');
    }
    for (const label of ['Phone', 'Job title']) {
      expect(await page.getByRole('textbox', { name: label }).getAttribute('required'), label).toBeNull();
      expect(await requiredMark(page, label), label).toBe('none');
    }
    const sendInvitation = page.getByLabel('Send invitation e-mail');
    expect(await sendInvitation.isChecked()).toBe(true);

    await page.getByLabel('First name').fill(invitee.givenName);
    await page.getByLabel('Last name').fill(invitee.familyName);
    await page.getByRole('textbox', { name: 'E-mail' }).fill(invitee.email);
    await page.getByLabel('Job title').fill('Controller');
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('heading', { name: 'CustomerSource Profile: Grace Hopper' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe(
      'The invitation e-mail is on its way. Any earlier link no longer works.',
    );
    const mail = await idp.smtp.waitForMail((m) => m.to === invitee.email);
    expect(mail.subject).toBe('Your invitation to CustomerSource for Northwind Traders');
    expect(mail.text).toContain('Hello Grace,');
    expect(mail.links.some((l) => l.startsWith(`${portal.url}/invitations/accept?token=`))).toBe(true);

    await page.getByRole('link', { name: '← Northwind Traders' }).click();
    const row = page.getByRole('row', { name: new RegExp(invitee.email) });
    expect(await row.textContent()).toContain('Grace Hopper');
    expect(await row.getByRole('cell').last().textContent()).toBe('invited');
  });
});

/** The "*" the stylesheet puts after a required field's label, as the person sees it. */
function requiredMark(page: Page, label: string): Promise<string> {
  return page.getByText(label, { exact: true }).evaluate((el) => {
    // Runs in the page, where `globalThis` is the window (this project's TypeScript lib has no DOM).
    const window = globalThis as unknown as StyleOf;
    return window.getComputedStyle(el, '::after').content;
  });
}

interface StyleOf {
  getComputedStyle(element: unknown, pseudo: string): { content: string };
}
