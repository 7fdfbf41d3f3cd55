import { describe, it } from 'vitest';
import { newPerson, verificationCode } from '../support/oidc-client.ts';
import { portalInBrowser } from '../support/portal-browser.ts';

describe('J1 in Chromium: a person signs up and signs in at the IdP', () => {
  const journey = portalInBrowser({ portal: false });

  it('Sign up now → Create account → code → account settings; then sign out and sign in again', async () => {
    const { idp } = journey;
    const person = newPerson();
    const page = await (await journey.browser.newContext()).newPage();

    await page.goto(`${idp.issuer}/account`);
    await page.getByRole('link', { name: 'Sign up now' }).click();
    await page.getByLabel('First name').fill(person.givenName);
    await page.getByLabel('Last name').fill(person.familyName);
    await page.getByLabel('Work e-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByLabel('Birth date').fill(person.birthdate);
    await page.getByLabel('Gender (optional)').selectOption('female');
    await page.getByLabel(/I accept the Services Agreement/).check();
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByLabel('Code').fill(await verificationCode(idp.smtp, person.email));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.getByText(`Signed in as ${person.email}`).waitFor();

    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${idp.issuer}/account`);
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
  });
});
