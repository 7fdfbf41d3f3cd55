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
import { saveScreenshot } from '../support/screenshots.ts';

const DAY = 86_400_000;

describe('J19 and J20 in Chromium: an administrator reviews access and reads the audit log', () => {
  const journey = portalInBrowser();
  let admin: Awaited<ReturnType<typeof administratorInBrowser>>;

  beforeAll(async () => {
    admin = await administratorInBrowser(journey.browser, journey.idp, journey.portal, 'Fabrikam');
  });

  /** A professional who accepted the invitation and is signed in, whose last sign-in was `daysAgo` days ago. */
  async function signedInProfessional(givenName: string, daysAgo: number) {
    const { idp, portal } = journey;
    const person = newPerson({ givenName, familyName: 'Idle' });
    const { professional } = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName, familyName: 'Idle', email: person.email },
    });
    const page = await journey.newPage();
    await page.goto(await invitationLink(idp, portal, person.email));
    await signUpFromSignInPage(page, idp, person);
    await page.waitForURL(`${portal.url}/`);
    await portal.domain.orm.em
      .getConnection()
      .execute('update portal.professional set last_sign_in_at = ? where id = ?', [
        new Date(Date.now() - daysAgo * DAY),
        professional.id,
      ]);
    return { person, page, name: `${givenName} Idle` };
  }

  it('Access review → Remove the inactive professional → Complete review: their next page is refused, the Audit log shows it', async () => {
    const idle = await signedInProfessional('Ike', 200);
    const kept = await signedInProfessional('Kit', 150);
    await idle.page.getByRole('link', { name: 'Licensing' }).click();
    await idle.page.getByRole('heading', { name: 'Licensing: Fabrikam' }).waitFor();

    const { page } = admin;
    await page.goto(`${journey.portal.url}/`);
    await openUserMenu(page, admin.name);
    await page.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
    await page.getByRole('link', { name: 'Fabrikam' }).click();
    await page.getByRole('button', { name: 'Access review' }).click();
    await page.getByRole('heading', { name: 'Access review', exact: true }).waitFor();

    const idleRow = page.getByRole('row', { name: new RegExp(idle.name) });
    const keptRow = page.getByRole('row', { name: new RegExp(kept.name) });
    expect(await idleRow.textContent()).toMatch(/Last signed in \d{4}-\d{2}-\d{2}/);
    expect(await page.getByRole('row', { name: /Admin Fabrikam/ }).count()).toBe(0);
    await idleRow.getByRole('radio', { name: 'Remove' }).check();
    expect(await keptRow.getByRole('radio', { name: 'Keep' }).isChecked()).toBe(true);
    await saveScreenshot(page, '15-access-review.png');
    await page.getByRole('button', { name: 'Complete review' }).click();

    expect(await page.getByRole('status').textContent()).toBe(
      'The review is complete: 1 removed, 1 kept. The access of those removed has ended.',
    );
    expect(await page.getByRole('row', { name: new RegExp(idle.name) }).count()).toBe(0);
    expect(await page.getByRole('row', { name: new RegExp(kept.name) }).count()).toBe(1);

    const next = await idle.page.reload();
    expect(next?.status()).toBe(403);
    await idle.page.getByRole('heading', { name: 'You do not have access to CustomerSource yet' }).waitFor();
    expect(await idle.page.getByRole('main').textContent()).not.toContain('License key');
    await kept.page.reload();
    await kept.page.getByRole('heading', { name: 'Welcome, Kit Idle' }).waitFor();

    await page.getByRole('link', { name: '← Fabrikam' }).click();
    await page.getByRole('button', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
    await page.getByLabel('Action').selectOption('review.completed');
    await page.getByRole('button', { name: 'Filter' }).click();
    const completed = page.getByRole('row', { name: /review\.completed/ });
    expect(await completed.count()).toBe(1);
    expect(await completed.textContent()).toContain(admin.person.email);
    expect(await completed.textContent()).toContain(idle.person.email);
    await page.getByLabel('Action').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.getByRole('row', { name: /professional\.deleted.*Ike Idle/ }).count()).toBe(1);
    await saveScreenshot(page, '16-audit-log.png');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^audit-log-[\w-]+\.csv$/);
  });
});
