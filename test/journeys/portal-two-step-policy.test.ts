import { describe, expect, it } from 'vitest';
import {
  administratorInBrowser,
  portalInBrowser,
  usernameShown,
  waitForOrigin,
} from '../support/portal-browser.ts';
import { authenticatorApp } from '../support/second-factors.ts';

describe('J15 in Chromium: an organization that requires two-step verification', () => {
  const journey = portalInBrowser();

  it('Require two-step verification → a password-only member is led to set up an authenticator app → Sign in again with two-step verification → the pages open', async () => {
    const { idp, portal, browser } = journey;
    const member = await administratorInBrowser(browser, idp, portal, 'Policy Ltd');
    const { page } = member;
    const orgPage = `${portal.url}/accounts/${member.organization.id}`;

    await page.goto(orgPage);
    await page.getByLabel('Require two-step verification').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Two-step verification required' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('Policy Ltd requires two-step verification');

    // The IdP's security settings: an authenticator app, confirmed by a code.
    await page.getByRole('button', { name: 'Set up two-step verification' }).click();
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const phone = authenticatorApp((await page.locator('#secret').textContent())!.trim());
    await page.getByLabel('Enter the code from your authenticator app').fill(phone.code());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Your authenticator app is set up.').waitFor();

    // Back at the portal, the same page still asks; the step-up takes the code only.
    await page.goto(orgPage);
    await page.getByRole('button', { name: 'Sign in again with two-step verification' }).click();
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    // The set-up used this period's code; a code works once: the next period's.
    await page.getByLabel('Enter the code from your authenticator app').fill(phone.code(1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(orgPage);
    await page.getByRole('heading', { name: 'Policy Ltd' }).waitFor();
    expect(await usernameShown(page)).toBe(member.name);
  });
});
