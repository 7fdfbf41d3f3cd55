import { describe, expect, it } from 'vitest';
import { newPerson } from '../support/oidc-client.ts';
import { administratorInBrowser, openUserMenu, portalInBrowser } from '../support/portal-browser.ts';

describe('Issue 13 in Chromium: an administrator imports professionals from a CSV file', () => {
  const journey = portalInBrowser();

  it('the account → Import professionals → a CSV file → Preview → Import → each invitation e-mail arrives', async () => {
    const { idp, portal, browser } = journey;
    const admin = await administratorInBrowser(browser, idp, portal, 'Wide World Importers');
    const { page } = admin;
    const people = [
      newPerson({ givenName: 'Ines', familyName: 'Import' }),
      newPerson({ givenName: 'Jonas', familyName: 'Upload' }),
      newPerson({ givenName: 'Kira', familyName: 'Batch' }),
    ];
    const file = [
      'Given name,Family name,E-mail,Phone,Job title,Role',
      `${people[0]!.givenName},${people[0]!.familyName},${people[0]!.email},+44 20 7946 0000,Buyer,Administrator`,
      `${people[1]!.givenName},${people[1]!.familyName},${people[1]!.email},,"Logistics, EMEA",`,
      `${people[2]!.givenName},${people[2]!.familyName},${people[2]!.email},,,`,
      '',
    ].join('\r\n');

    await openUserMenu(page, admin.name);
    await page.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await page.getByRole('link', { name: 'Wide World Importers' }).click();
    await page.getByRole('heading', { name: 'Professionals with access' }).waitFor();
    await page.getByRole('button', { name: 'Import professionals' }).click();
    await page.getByRole('heading', { name: 'Import professionals', exact: true }).waitFor();

    await page.getByLabel('CSV file').setInputFiles({
      name: 'new-people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(file),
    });
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Import professionals: preview' }).waitFor();
    expect(await page.locator('#import-summary').textContent()).toBe(
      '3 professionals will be added, each invited by e-mail.',
    );
    const ines = page.getByRole('row', { name: new RegExp(people[0]!.email) });
    expect(await ines.textContent()).toContain('Administrator');
    expect(await page.getByRole('row', { name: new RegExp(people[1]!.email) }).textContent()).toContain(
      'Logistics, EMEA',
    );
    expect(idp.smtp.messages.filter((m) => people.some((p) => p.email === m.to))).toEqual([]);

    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe(
      'Imported 3 professionals. Each receives an invitation e-mail.',
    );
    for (const person of people) {
      const mail = await idp.smtp.waitForMail((m) => m.to === person.email);
      expect(mail.subject).toBe('Your invitation to CustomerSource for Wide World Importers');
      expect(mail.text).toContain(`Hello ${person.givenName},`);
      expect(mail.links.some((l) => l.startsWith(`${portal.url}/invitations/accept?token=`))).toBe(true);
    }

    await page.getByRole('link', { name: 'Back to Wide World Importers' }).click();
    await page.getByLabel('Search by name or e-mail').fill('jonas');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.getByRole('row', { name: new RegExp(people[1]!.email) });
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('never');
    expect(await row.getByRole('cell').last().textContent()).toBe('invited');
    expect(await page.locator('#professionals tbody tr').count()).toBe(1);
  });
});
