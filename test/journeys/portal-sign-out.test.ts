import { describe, expect, it } from 'vitest';
import {
  administratorInBrowser,
  openUserMenu,
  portalInBrowser,
  usernameShown,
  waitForOrigin,
  waitForSignedOutHome,
} from '../support/portal-browser.ts';

describe('J9 in Chromium: Sign out ends the portal and IdP sessions', () => {
  const journey = portalInBrowser();

  it('username menu → Sign out → the IdP confirms → portal home, Welcome, User; pages ask to sign in again', async () => {
    const { idp, portal, browser } = journey;
    const member = await administratorInBrowser(browser, idp, portal, 'Wide World Importers');
    const { page } = member;

    await openUserMenu(page, member.name);
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('heading', { name: 'Sign out' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('Do you want to sign out of');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await waitForSignedOutHome(page, portal.url);
    expect(await usernameShown(page)).toBeUndefined();
    await openUserMenu(page, 'Welcome, User');
    expect(await page.getByRole('link', { name: 'Sign In' }).isVisible()).toBe(true);

    // Both sessions are gone: a portal page sends the person to the IdP, which asks for a password.
    await page.goto(`${portal.url}/accounts`);
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByLabel('Password').inputValue()).toBe('');
  });
});
