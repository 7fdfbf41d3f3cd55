/**
 * `node docs/take-screenshots.ts`: the guide's journey on Gatehouse, in Chromium, saved as PNGs in
 * `docs/screenshots/`. Starts a throwaway PostgreSQL, IdP and portal the way the tests do (SMTP
 * captured), so nothing outside this process is touched. Not part of `npm test`.
 */
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startEmbeddedPostgres } from '../adapters/db/embedded-postgres.ts';
import { createOrganization } from '../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../portal/domain.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { startTestIdp, type TestIdp } from '../test/support/idp-instance.ts';
import { newPerson, verificationCode } from '../test/support/oidc-client.ts';
import {
  fillSignUpForm,
  newBrowserPage,
  openUserMenu,
  signInAtIdpPage,
  signUpFromSignInPage,
  waitForOrigin,
} from '../test/support/portal-browser.ts';
import { startTestPortal, type TestPortal } from '../test/support/portal-instance.ts';
import type { CapturedMail } from '../test/support/smtp-capture.ts';

const OUT = new URL('./screenshots/', import.meta.url);
const ORGANIZATION = 'Contoso Pharmaceuticals';
const admin = newPerson({ givenName: 'Alex', familyName: 'Wilber', email: 'alex.wilber@contoso.example' });
const professional = newPerson({ givenName: 'John', familyName: 'Doe', email: 'john.doe@contoso.example' });

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const root = await mkdtemp(join(tmpdir(), 'gatehouse-screenshots-'));
  // As root, PostgreSQL runs as its own system user, which must be able to reach its folder.
  await chmod(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), ephemeral: true });
  const idp = await startTestIdp({ DATABASE_URL: pg.url() });
  const portal = await startTestPortal(idp);
  const browser = await launchBrowser();
  try {
    await walkTheGuide(browser, idp, portal);
  } finally {
    await browser.close();
    await portal.close();
    await idp.close();
    await pg.stop();
  }
}

async function walkTheGuide(browser: Browser, idp: TestIdp, portal: TestPortal): Promise<void> {
  // User: How to Register. "Sign up now", the form, "Create account", the account settings page.
  const john = await newBrowserPage(browser);
  await john.goto(`${idp.issuer}/account`);
  await john.getByRole('link', { name: 'Sign up now' }).click();
  await fillSignUpForm(john, professional);
  await save(john, '01-idp-sign-up.png');
  await john.getByRole('button', { name: 'Create account' }).click();
  await john.getByLabel('Code').fill(await verificationCode(idp.smtp, professional.email));
  await john.getByRole('button', { name: 'Verify' }).click();
  await john.getByRole('heading', { name: 'Your account' }).waitFor();
  await save(john, '02-idp-account-settings.png');

  // Accessing CustomerSource, signed out: "Welcome, User" → "Sign In".
  const visitor = await newBrowserPage(browser);
  await visitor.goto(`${portal.url}/`);
  await openUserMenu(visitor, 'Welcome, User');
  await save(visitor, '03-portal-home-signed-out.png');

  // The Extranet Login page, as shown when a sign-in comes back without a person (here: cancelled).
  await visitor.getByRole('link', { name: 'Sign In' }).click();
  await waitForOrigin(visitor, idp.issuer);
  await visitor.getByRole('link', { name: 'Cancel and go back' }).click();
  await visitor.getByRole('heading', { name: 'Extranet Login' }).waitFor();
  await save(visitor, '04-extranet-login.png');

  // Administrator: How to Add Users. The organization and its first administrator, as the CLI makes them.
  const alex = await administratorSignedIn(browser, idp, portal);
  await openUserMenu(alex, 'Alex Wilber');
  await alex.getByRole('link', { name: 'Our CustomerSource Accounts' }).click();
  await alex.getByRole('heading', { name: 'Our CustomerSource Accounts' }).waitFor();
  await openUserMenu(alex, 'Alex Wilber');
  await save(alex, '05-our-customersource-accounts.png');

  await alex.getByRole('link', { name: ORGANIZATION }).click();
  await alex.getByRole('button', { name: 'Add New Professionals' }).click();
  await alex.getByLabel('First name').fill(professional.givenName);
  await alex.getByLabel('Last name').fill(professional.familyName);
  await alex.getByRole('textbox', { name: 'E-mail' }).fill(professional.email);
  await alex.getByLabel('Phone').fill('+1 425 555 0100');
  await alex.getByLabel('Job title').fill('Controller');
  await save(alex, '06-add-new-professionals.png');
  await alex.getByRole('button', { name: 'Save' }).click();
  await alex.getByRole('heading', { name: 'CustomerSource Profile: John Doe' }).waitFor();

  // To Gain Access: the e-mail, its link, the IdP sign-in, and the home page with the name top right.
  const mail = await idp.smtp.waitForMail(
    (m) => m.to === professional.email && m.subject.includes('invitation'),
  );
  const inbox = await newBrowserPage(browser);
  await inbox.setContent(mailPage(mail));
  await save(inbox, '07-invitation-email.png');

  const johnAgain = await newBrowserPage(browser);
  await johnAgain.goto(invitationLinkOf(mail, portal));
  await waitForOrigin(johnAgain, idp.issuer);
  await signInAtIdpPage(johnAgain, professional);
  await johnAgain.waitForURL(`${portal.url}/`);
  await johnAgain.getByRole('heading', { name: 'Welcome, John Doe' }).waitFor();
  await save(johnAgain, '08-portal-home-signed-in.png');

  // Editing or deleting a professional: the profile with Edit, Send Invite E-mail and Delete.
  await alex.getByRole('link', { name: `← ${ORGANIZATION}` }).click();
  await alex.getByRole('link', { name: 'John Doe' }).click();
  await alex.getByRole('heading', { name: 'CustomerSource Profile: John Doe' }).waitFor();
  await save(alex, '09-professional-profile.png');
}

/** The organization's first administrator opens the invitation, signs up in that flow, lands home. */
async function administratorSignedIn(browser: Browser, idp: TestIdp, portal: TestPortal): Promise<Page> {
  await createOrganization(portal.domain, {
    actor: SYSTEM_ACTOR,
    name: ORGANIZATION,
    admin: { givenName: admin.givenName, familyName: admin.familyName, email: admin.email },
  });
  const mail = await idp.smtp.waitForMail((m) => m.to === admin.email);
  const page = await newBrowserPage(browser);
  await page.goto(invitationLinkOf(mail, portal));
  await signUpFromSignInPage(page, idp, admin);
  await page.waitForURL(`${portal.url}/`);
  return page;
}

function invitationLinkOf(mail: CapturedMail, portal: TestPortal): string {
  const link = mail.links.find((l) => l.startsWith(`${portal.url}/invitations/accept?token=`));
  if (!link) throw new Error(`no invitation link in the mail to ${mail.to}`);
  return link;
}

/** A plain page showing the captured mail as a mail client would: headers, then the text body. */
function mailPage(mail: CapturedMail): string {
  const h = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const linked = (text: string) => text.replace(/https?:\/\/\S+/g, (url) => `<a href="${url}">${url}</a>`);
  return `<!doctype html><meta charset="utf-8"><title>${h(mail.subject)}</title>
<body style="font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 50rem; color: #222">
<table style="border-collapse: collapse; margin-bottom: 1rem">
<tr><th style="text-align: left; padding-right: 1rem">From</th><td>${h(mail.from)}</td></tr>
<tr><th style="text-align: left; padding-right: 1rem">To</th><td>${h(mail.to)}</td></tr>
<tr><th style="text-align: left; padding-right: 1rem">Subject</th><td>${h(mail.subject)}</td></tr>
</table><hr>
<pre style="white-space: pre-wrap; overflow-wrap: anywhere; font: inherit">${linked(h(mail.text))}</pre>
</body>`;
}

async function save(page: Page, name: string): Promise<void> {
  const path = new URL(name, OUT);
  await writeFile(path, await page.screenshot({ fullPage: true }));
  console.log(`saved docs/screenshots/${name}`);
}

await main();
