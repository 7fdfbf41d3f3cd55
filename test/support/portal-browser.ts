import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import type { Organization } from '../../portal/organizations/organization.entity.ts';
import { launchBrowser } from './browser.ts';
import { startTestIdp, type TestIdp } from './idp-instance.ts';
import { type NewPerson, newPerson, verificationCode } from './oidc-client.ts';
import { startTestPortal, type TestPortal } from './portal-instance.ts';
import { invitationLink, withDemoLicenses } from './portal-people.ts';

/** What a Chromium journey runs against: started in `beforeAll`, closed in `afterAll`. */
export interface PortalInBrowser {
  readonly idp: TestIdp;
  /** The portal; reading it where the journey started none (`portal: false`) throws. */
  readonly portal: TestPortal;
  readonly browser: Browser;
  /** A fresh browser context and page (`newBrowserPage`): a person nobody has signed in on yet. */
  newPage(): Promise<Page>;
}

export interface PortalInBrowserOptions {
  /**
   * How the portal is started once the IdP runs: `startTestPortal(idp)` by default, `false` for
   * none (a journey at the IdP alone).
   */
  readonly portal?: ((idp: TestIdp) => Promise<TestPortal>) | false;
}

/**
 * Call inside a `describe`: registers its hooks to start a test IdP and Chromium side by side, then
 * the portal on that IdP, for the block, and to close the browser, the portal and the IdP after it.
 */
export function portalInBrowser(options: PortalInBrowserOptions = {}): PortalInBrowser {
  const startPortal = options.portal ?? ((idp: TestIdp) => startTestPortal(idp));
  let idp: TestIdp;
  let portal: TestPortal | undefined;
  let browser: Browser;

  beforeAll(async () => {
    [idp, browser] = await Promise.all([startTestIdp(), launchBrowser()]);
    if (startPortal) portal = await startPortal(idp);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await idp?.close();
  });

  return {
    get idp() {
      return idp;
    },
    get portal() {
      if (!portal)
        throw new Error('this journey started no portal (portal: false), or it has not started yet');
      return portal;
    },
    get browser() {
      return browser;
    },
    newPage: () => newBrowserPage(browser),
  };
}

/** A person in Chromium: their own browser context (cookies) and the page they look at. */
export interface BrowserPerson {
  readonly person: NewPerson;
  readonly page: Page;
}

/** A fresh browser context and page: a person nobody has signed in on yet. */
export async function newBrowserPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  return context.newPage();
}

/**
 * From the IdP sign-in page: "Sign up now", the form as the guide describes it, "Create account",
 * then the e-mailed code and "Verify". Where the browser lands depends on the flow it is in.
 */
export async function signUpFromSignInPage(page: Page, idp: TestIdp, person: NewPerson): Promise<void> {
  await page.getByRole('link', { name: 'Sign up now' }).click();
  await fillSignUpForm(page, person);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Code').fill(await verificationCode(idp.smtp, person.email));
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** The IdP's "Create account" form, filled as a person would, without submitting it. */
export async function fillSignUpForm(page: Page, person: NewPerson): Promise<void> {
  await page.getByLabel('First name').fill(person.givenName);
  await page.getByLabel('Last name').fill(person.familyName);
  await page.getByLabel('Work e-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByLabel('Birth date').fill(person.birthdate);
  await page.getByLabel('Gender (optional)').selectOption('female');
  await page.getByLabel(/I accept the Services Agreement/).check();
}

/** On the IdP sign-in page: e-mail, password, "Sign in". */
export async function signInAtIdpPage(page: Page, person: NewPerson): Promise<void> {
  await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The username menu top right, opened: `name` when signed in, "Welcome, User" when not. */
export async function openUserMenu(page: Page, name: string): Promise<void> {
  const summary = page.getByRole('banner').getByText(name, { exact: true });
  await summary.click();
}

/** The name shown top right once the page has loaded, or undefined when signed out. */
export async function usernameShown(page: Page): Promise<string | undefined> {
  await page.getByRole('banner').waitFor();
  const username = page.locator('#username');
  return (await username.count()) === 0 ? undefined : ((await username.textContent()) ?? '').trim();
}

/** Wait until the browser shows a page of `origin` (the portal or the IdP), then for it to load. */
/** Back on the portal home after Sign out, with the `state` the sign-out sent checked: "You are signed out." */
export async function waitForSignedOutHome(page: Page, portalUrl: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${portalUrl}/?state=`));
  await page.getByText('You are signed out.').waitFor();
}

export async function waitForOrigin(page: Page, origin: string): Promise<void> {
  await page.waitForURL((url) => url.origin === origin);
  await page.waitForLoadState();
}

/**
 * A new organization (created as the CLI would) whose first administrator opened the invitation
 * e-mail in Chromium, signed up inside that flow, and is on the portal home page, signed in. With
 * several sign-in options the link shows Extranet Login first: `option` names the one to choose.
 */
export async function administratorInBrowser(
  browser: Browser,
  idp: TestIdp,
  portal: TestPortal,
  organizationName: string,
  option?: string,
): Promise<BrowserPerson & { organization: Organization; name: string }> {
  const person = newPerson({ givenName: 'Admin', familyName: organizationName });
  const { organization } = await createOrganization(portal.domain, {
    actor: SYSTEM_ACTOR,
    name: organizationName,
    admin: { givenName: person.givenName, familyName: person.familyName, email: person.email },
  });
  await withDemoLicenses(portal, organization.id);
  const page = await newBrowserPage(browser);
  await page.goto(await invitationLink(idp, portal, person.email));
  if (option) await page.getByRole('button', { name: option }).click();
  await signUpFromSignInPage(page, idp, person);
  await page.waitForURL(`${portal.url}/`);
  return { person, page, organization, name: `${person.givenName} ${person.familyName}` };
}
