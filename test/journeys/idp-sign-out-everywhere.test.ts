import { describe, expect, it } from 'vitest';
import {
  administratorInBrowser,
  newBrowserPage,
  portalInBrowser,
  signInAtIdpPage,
  usernameShown,
  waitForOrigin,
} from '../support/portal-browser.ts';

describe('J13 in Chromium: Sign out everywhere at the IdP ends the portal sessions of every browser', () => {
  const journey = portalInBrowser();

  it('the administrator signs out everywhere from account settings; their other browser is signed out of the portal', async () => {
    const { browser, idp, portal } = journey;
    const admin = await administratorInBrowser(browser, idp, portal, 'Fabrikam');

    // The same person in a second browser, signed in at the portal too.
    const other = await newBrowserPage(browser);
    await other.goto(`${portal.url}/sign-in`);
    await signInAtIdpPage(other, admin.person);
    await other.waitForURL(`${portal.url}/`);
    expect(await usernameShown(other)).toBe(admin.name);

    await admin.page.goto(`${idp.issuer}/account`);
    await waitForOrigin(admin.page, idp.issuer);
    await admin.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await admin.page.getByRole('heading', { name: /signed out/i }).waitFor();

    // The logout reaches the portal through the IdP's queue: within moments, both are signed out.
    for (const page of [other, admin.page]) {
      await expect
        .poll(
          async () => {
            await page.goto(`${portal.url}/`);
            return usernameShown(page);
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBeUndefined();
    }
  });
});
