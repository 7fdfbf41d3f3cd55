import { expect } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { addDemoLicenses } from '../../portal/demo/demo-licenses.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import type { Organization } from '../../portal/organizations/organization.entity.ts';
import { type BrowserlessClient, browserlessClient, type Page } from './browserless-client.ts';
import { textOf } from './html-page.ts';
import type { TestIdp } from './idp-instance.ts';
import { type NewPerson, newPerson, signUpFromSignIn } from './oidc-client.ts';
import type { TestPortal } from './portal-instance.ts';

/** A person signed in at the portal, with the browser that holds their sessions. */
export interface PortalPerson {
  readonly person: NewPerson;
  readonly browser: BrowserlessClient;
  readonly home: Page;
}

/** The newest invitation link mailed to `email`. */
export async function invitationLink(
  idp: TestIdp,
  portal: TestPortal,
  email: string,
  after = 0,
): Promise<string> {
  const mail = await idp.smtp.waitForMail(
    (m) => m.to === email && m.subject.includes('invitation') && idp.smtp.messages.indexOf(m) >= after,
  );
  return mail.links.find((l) => l.startsWith(`${portal.url}/invitations/accept?token=`))!;
}

/** Open an invitation link as a person without an account: "Sign up now" inside the same flow. */
export async function acceptBySigningUp(
  idp: TestIdp,
  link: string,
  person: NewPerson,
  browser: BrowserlessClient = browserlessClient(),
): Promise<PortalPerson> {
  const signIn = await browser.get(link);
  expect(signIn.url.startsWith(`${idp.issuer}/interaction/`), signIn.html).toBe(true);
  const home = await signUpFromSignIn(browser, signIn, idp.smtp, person);
  return { person, browser, home };
}

/** Open an invitation link as a person who has an account: sign in with e-mail and password. */
export async function acceptBySigningIn(
  link: string,
  person: NewPerson,
  browser: BrowserlessClient = browserlessClient(),
): Promise<Page> {
  const signIn = await browser.get(link);
  return browser.submit(signIn, { email: person.email, password: person.password }, '/login');
}

/**
 * A new person signs up at the IdP from the portal's **Sign In** and lands on the J12 page: signed
 * in, a professional of no organization.
 */
export async function nonMemberSignsUp(
  idp: TestIdp,
  portal: TestPortal,
  person: NewPerson = newPerson(),
): Promise<PortalPerson> {
  const browser = browserlessClient();
  const home = await signUpFromSignIn(browser, await browser.get(`${portal.url}/sign-in`), idp.smtp, person);
  expect(home.url).toBe(`${portal.url}/`);
  expect(home.html).toContain('You do not have access to CustomerSource yet');
  return { person, browser, home };
}

/** The first administrator of a new organization, signed in, and that organization. */
export type OrganizationAdmin = PortalPerson & { readonly organization: Organization };

/** A new organization whose first administrator accepted the invitation and is signed in. */
export async function organizationAdmin(
  idp: TestIdp,
  portal: TestPortal,
  name: string,
  kind: 'customer' | 'partner' = 'customer',
): Promise<OrganizationAdmin> {
  const person = newPerson({ givenName: 'Admin', familyName: name });
  const { organization } = await createOrganization(portal.domain, {
    actor: SYSTEM_ACTOR,
    name,
    kind,
    admin: { givenName: person.givenName, familyName: person.familyName, email: person.email },
  });
  await withDemoLicenses(portal, organization.id);
  const signedIn = await acceptBySigningUp(idp, await invitationLink(idp, portal, person.email), person);
  expect(signedIn.home.url).toBe(`${portal.url}/`);
  return { ...signedIn, organization };
}

/** The name shown top right, or undefined when signed out. */
export function usernameOf(page: Page): string | undefined {
  return textOf(page.html, 'summary#username');
}

/**
 * Give the organization the demo licensing rows, as the demo organizations of `npm start` have:
 * the licensing page then has licences to show (and to keep from other organizations).
 */
export async function withDemoLicenses(portal: TestPortal, organizationId: string): Promise<void> {
  const em = portal.domain.orm.em.fork();
  addDemoLicenses(em, organizationId);
  await em.flush();
}
