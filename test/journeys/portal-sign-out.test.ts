import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  administratorInBrowser,
  openUserMenu,
  usernameShown,
  waitForOrigin,
} from '../support/portal-browser.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';

describe('J9 in Chromium: Sign out ends the portal and IdP sessions', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let browser: Browser;

  beforeAll(async () => {
    [idp, browser] = await Promise.all([startTestIdp(), launchBrowser()]);
    portal = await startTestPortal(idp);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await idp?.close();
  });

  it('username menu → Sign out → the IdP confirms → portal home, Welcome, User; pages ask to sign in again', async () => {
    const member = await administratorInBrowser(browser, idp, portal, 'Wide World Importers');
    const { page } = member;

    await openUserMenu(page, member.name);
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('heading', { name: 'Sign out' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('Do you want to sign out of');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.waitForURL(`${portal.url}/`);
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
