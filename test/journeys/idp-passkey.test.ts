import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { launchBrowser } from '../support/browser.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson, verificationCode } from '../support/oidc-client.ts';
import { authenticatorApp } from '../support/second-factors.ts';

// WebAuthn takes a domain as RP ID, never an IP address: this IdP answers at localhost.
describe('J14 in Chromium: passkeys and the authenticator app', () => {
  let idp: TestIdp;
  let issuer: string;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    idp = await startTestIdp({ IDP_PORT: String(port), IDP_ISSUER: issuer });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
  });

  async function signUp(page: Page) {
    const person = newPerson();
    await page.goto(`${issuer}/signup`);
    await page.getByLabel('First name').fill(person.givenName);
    await page.getByLabel('Last name').fill(person.familyName);
    await page.getByLabel('Work e-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByLabel('Birth date').fill(person.birthdate);
    await page.getByLabel(/I accept the Services Agreement/).check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Code').fill(await verificationCode(idp.smtp, person.email));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    return person;
  }

  async function signOut(
    page: Page,
    then = async () => page.getByRole('heading', { name: 'Sign in' }).waitFor(),
  ) {
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await page.goto(`${issuer}/account`);
    await then();
  }

  it('Add a passkey, sign out, Sign in with a passkey', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    const person = await signUp(page);

    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByLabel('Passkey name').fill('This browser');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Your passkey is added.').waitFor();
    await page.getByText('This browser').first().waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);

    // Chromium's virtual authenticator answers the e-mail field's conditional request (autofill) at
    // once, before a click on the button can: either way the passkey alone signs in.
    const account = page.getByRole('heading', { name: 'Your account' });
    await signOut(page, () =>
      Promise.race([
        page
          .getByRole('button', { name: 'Sign in with a passkey' })
          .click({ noWaitAfter: true })
          .catch(() => {}),
        account.waitFor(),
      ]),
    );
    await account.waitFor();
    await page.getByText(`Signed in as ${person.email}`).waitFor();
    await context.close();
  });

  it('Set up an authenticator app, sign in with a code, then with a recovery code once', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const person = await signUp(page);

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('#secret').textContent())!.trim();
    const phone = authenticatorApp(secret);
    await page.getByLabel('Enter the code from your authenticator app').fill(phone.code());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Your authenticator app is set up.').waitFor();
    await page.getByRole('button', { name: 'Create recovery codes' }).click();
    const codes = await page.locator('.recovery-codes code').allTextContents();
    expect(codes).toHaveLength(10);
    await page.getByRole('link', { name: 'Back to your account' }).click();

    const signIn = async () => {
      await page.getByLabel('E-mail').fill(person.email);
      await page.getByLabel('Password').fill(person.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    };
    await signOut(page);
    await signIn();
    await page.getByLabel('Enter the code from your authenticator app').fill(phone.code(1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();

    for (const expected of ['Your account', 'Use a recovery code']) {
      await signOut(page);
      await signIn();
      await page.getByRole('link', { name: 'Use a recovery code' }).click();
      await page.getByLabel('Recovery code').fill(codes[0]!);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: expected }).waitFor();
    }
    await page
      .locator('#recoveryCode-error', { hasText: 'This recovery code is not correct or was used already.' })
      .waitFor();
    await context.close();
  });
});
