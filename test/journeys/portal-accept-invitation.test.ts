import { describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { AuditEvent } from '../../portal/audit/audit-event.entity.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { newPerson } from '../support/oidc-client.ts';
import {
  portalInBrowser,
  signUpFromSignInPage,
  usernameShown,
  waitForOrigin,
} from '../support/portal-browser.ts';

describe('J3 in Chromium: the invitee opens the e-mailed link, signs up in the same flow and lands signed in', () => {
  const journey = portalInBrowser();

  it('link → IdP sign-in with the e-mail filled in → Sign up now → Create account → code → home with their name; claimed once', async () => {
    const { idp, portal } = journey;
    const admin = newPerson({ givenName: 'Admin', familyName: 'Contoso' });
    const { organization } = await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: 'Contoso',
      admin: { givenName: admin.givenName, familyName: admin.familyName, email: admin.email },
    });
    const invitee = newPerson({ givenName: 'Grace', familyName: 'Hopper' });
    await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: organization.id,
      profile: { givenName: invitee.givenName, familyName: invitee.familyName, email: invitee.email },
    });
    const mail = await idp.smtp.waitForMail((m) => m.to === invitee.email);
    const link = mail.links.find((l) => l.startsWith(`${portal.url}/invitations/accept?token=`))!;

    const page = await journey.newPage();
    await page.goto(link);
    await waitForOrigin(page, idp.issuer);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByText('to continue to CustomerSource').isVisible()).toBe(true);
    expect(await page.getByLabel('E-mail').inputValue()).toBe(invitee.email);

    await signUpFromSignInPage(page, idp, invitee);
    await page.waitForURL(`${portal.url}/`);
    expect(await usernameShown(page)).toBe('Grace Hopper');
    await page.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('Contoso');

    // The same person opening the link again: back home, nothing claimed a second time.
    await page.goto(link);
    await page.waitForURL(`${portal.url}/`);
    expect(await usernameShown(page)).toBe('Grace Hopper');
    expect(await claims(organization.id)).toBe(1);

    // Someone else opening the forwarded link: a page that says what happened and what to do.
    const other = newPerson({ givenName: 'Mallory', familyName: 'Other' });
    const otherPage = await journey.newPage();
    await otherPage.goto(link);
    await waitForOrigin(otherPage, idp.issuer);
    await signUpFromSignInPage(otherPage, idp, other);
    await otherPage.getByRole('heading', { name: 'Invitation not accepted' }).waitFor();
    expect(otherPage.url().startsWith(`${portal.url}/`)).toBe(true);
    expect(await otherPage.getByRole('alert').textContent()).toBe(
      'This invitation has already been used by another account. If that was not you, ask your administrator to send a new invitation.',
    );
    expect(await otherPage.getByRole('main').getByRole('button', { name: 'Sign out' }).isVisible()).toBe(
      true,
    );
    expect(await claims(organization.id)).toBe(1);
  });

  const claims = (organizationId: string) =>
    journey.portal.domain.orm.em.fork().count(AuditEvent, { organizationId, action: 'invitation.claimed' });
});
