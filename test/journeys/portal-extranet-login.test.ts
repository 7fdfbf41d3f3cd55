import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { portalClientUris } from '../../config/portal-client-uris.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import {
  administratorInBrowser,
  openUserMenu,
  portalInBrowser,
  signInAtIdpPage,
  usernameShown,
  waitForOrigin,
  waitForSignedOutHome,
} from '../support/portal-browser.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';

const DYNAMICS = 'Microsoft Dynamics Customers and Partners';
const PARTNER = 'Encore Business Solutions';

describe('J5 in Chromium: after a cancelled sign-in, the Extranet Login page lists the options and leads back to the IdP', () => {
  const journey = portalInBrowser();

  it('Welcome, User → Sign In → Cancel at the IdP → Extranet Login explains → Microsoft Dynamics Customers and Partners → signed in', async () => {
    const { idp, portal, browser } = journey;
    const member = await administratorInBrowser(browser, idp, portal, 'Fabrikam');
    const page = await journey.newPage();

    await page.goto(`${portal.url}/`);
    await openUserMenu(page, 'Welcome, User');
    await page.getByRole('link', { name: 'Sign In' }).click();
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('link', { name: 'Cancel and go back' }).click();

    await page.getByRole('heading', { name: 'Extranet Login' }).waitFor();
    expect(page.url().startsWith(`${portal.url}/`)).toBe(true);
    expect(await page.getByRole('alert').textContent()).toBe(
      'The sign-in was cancelled. Choose how to sign in to try again.',
    );
    await continueWith(page, DYNAMICS, idp);
    await signInAtIdpPage(page, member.person);
    await page.waitForURL(`${portal.url}/`);
    expect(await usernameShown(page)).toBe(member.name);
  });
});

describe('J5 in Chromium: with more than one sign-in option, Sign In shows the Extranet Login page and remembers the choice', () => {
  const journey = portalInBrowser({ portal: startTwoOptionPortal });

  it('Welcome, User → Sign In → Extranet Login lists both → Microsoft Dynamics Customers and Partners → signed in; next time straight to the IdP', async () => {
    const { idp, portal, browser } = journey;
    const member = await administratorInBrowser(browser, idp, portal, 'Tailspin Toys', DYNAMICS);
    const page = await journey.newPage();

    await page.goto(`${portal.url}/`);
    await openUserMenu(page, 'Welcome, User');
    await page.getByRole('link', { name: 'Sign In' }).click();
    await page.getByRole('heading', { name: 'Extranet Login' }).waitFor();
    const options = await page.getByRole('main').getByRole('listitem').allTextContents();
    expect(options.map((o) => o.trim())).toEqual([DYNAMICS, PARTNER]);
    await continueWith(page, DYNAMICS, idp);
    await signInAtIdpPage(page, member.person);
    await page.waitForURL(`${portal.url}/`);
    expect(await usernameShown(page)).toBe(member.name);

    await openUserMenu(page, member.name);
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitForSignedOutHome(page, portal.url);
    await openUserMenu(page, 'Welcome, User');
    await page.getByRole('link', { name: 'Sign In' }).click();
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});

/** On the Extranet Login page, choose an option: the browser goes on to that IdP's sign-in page. */
async function continueWith(page: Page, label: string, idp: TestIdp): Promise<void> {
  await page.getByRole('button', { name: label }).click();
  await waitForOrigin(page, idp.issuer);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/**
 * A portal configured with two sign-in options (`SIGN_IN_OPTIONS`), two clients at the same IdP:
 * nothing tells the portal which one a person uses until they have chosen once.
 */
async function startTwoOptionPortal(idp: TestIdp): Promise<TestPortal> {
  const secret = 'journey-secret-of-at-least-32-characters';
  const options = [
    { id: 'dynamics', label: DYNAMICS, clientId: 'gatehouse-portal' },
    { id: 'encore', label: PARTNER, clientId: 'encore-partner-sso' },
  ];
  const portal = await startTestPortal(idp, {
    SIGN_IN_OPTIONS: JSON.stringify(options.map((o) => ({ ...o, issuer: idp.issuer, clientSecret: secret }))),
  });
  // Options are discovered on first use: registering the clients now, with the configured
  // secret, replaces the registration startTestPortal made with a random one.
  for (const o of options) {
    await idp.registerClient({
      name: o.label,
      clientId: o.clientId,
      clientSecret: secret,
      ...portalClientUris(portal.url),
      firstParty: true,
    });
  }
  return portal;
}
