import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { safeReturnTo } from '../../portal/sign-in/return-to.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import { signUpAtIdp } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import {
  acceptBySigningIn,
  acceptBySigningUp,
  invitationLink,
  organizationAdmin,
  usernameOf,
} from '../support/portal-people.ts';

describe('signing in to the portal through the IdP', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let member: Awaited<ReturnType<typeof organizationAdmin>>;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    member = await organizationAdmin(idp, portal, 'Northwind');
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const signOut = async (browser = member.browser) => {
    const home = await browser.get(`${portal.url}/`);
    const confirm = await browser.submit(home, {}, '/sign-out');
    expect(confirm.url.startsWith(`${idp.issuer}/session/end`), confirm.url).toBe(true);
    return browser.submit(confirm, { logout: 'yes' });
  };

  it('signed out, the home page shows Welcome, User with Sign In in its menu (J4)', async () => {
    const home = await browserlessClient().get(`${portal.url}/`);
    expect(home.html).toMatch(/<summary>Welcome, User<\/summary>\s*<ul><li><a href="\/sign-in">Sign In<\/a>/);
    expect(usernameOf(home)).toBeUndefined();
  });

  it('Sign out ends the portal and IdP sessions and returns home signed out; Sign In brings the person back (J9, J4)', async () => {
    const oldCookie = member.browser.cookie(portal.url, 'portal_session')!;
    const after = await signOut();
    const replayed = await fetch(`${portal.url}/`, { headers: { cookie: `portal_session=${oldCookie}` } });
    expect(await replayed.text()).toContain('Welcome, User');
    // Back with the `state` the sign-out sent (RP-Initiated Logout §2), which the home page checks.
    expect(after.url.startsWith(`${portal.url}/?state=`), after.url).toBe(true);
    expect(after.html).toContain('Welcome, User');
    expect(after.html).toContain('You are signed out.');
    const signIn = await member.browser.get(linkTo(after, 'Sign In'));
    expect(signIn.url.startsWith(`${idp.issuer}/interaction/`), signIn.url).toBe(true);
    const home = await member.browser.submit(
      signIn,
      { email: member.person.email, password: member.person.password },
      '/login',
    );
    expect(home.url).toBe(`${portal.url}/`);
    expect(usernameOf(home)).toBe('Admin Northwind');
  });

  it('a protected page sends the person to sign in and back to it; return URLs stay on the portal', async () => {
    const browser = browserlessClient();
    const licensing = `${portal.url}/org/${member.organization.id}/licensing`;
    const signIn = await browser.get(licensing);
    expect(signIn.url.startsWith(`${idp.issuer}/interaction/`)).toBe(true);
    const before = browser.cookie(portal.url, 'portal_session')!;
    const page = await browser.submit(
      signIn,
      { email: member.person.email, password: member.person.password },
      '/login',
    );
    expect(page.url).toBe(licensing);
    // A new session id after sign-in (session fixation); the cookie is only a random id, stored hashed.
    const after = browser.cookie(portal.url, 'portal_session')!;
    expect(after).toMatch(/^[\w-]{43}$/);
    expect(after).not.toBe(before);
    const stored = await portal.domain.orm.em
      .getConnection()
      .execute<{ id_hash: string }[]>('select id_hash from portal.portal_session');
    expect(stored.some((row) => row.id_hash === after || row.id_hash === before)).toBe(false);
    expect(page.html).toContain('Licensing: Northwind');
    for (const evil of [
      '//evil.test/x',
      'https://evil.test/',
      '/\\evil.test',
      'javascript:alert(1)',
      '/ok\r\nx',
    ]) {
      expect(safeReturnTo(evil)).toBe('/');
    }
    expect(safeReturnTo('/accounts?x=1')).toBe('/accounts?x=1');
  });

  it("records the last sign-in of the membership that signed in, and no one else's", async () => {
    const lastSignIns = () =>
      portal.domain.orm.em
        .getConnection()
        .execute<{ email: string; last_sign_in_at: string | null }[]>(
          `select email, last_sign_in_at from portal.professional where organization_id = ? order by email`,
          [member.organization.id],
        );
    const before = new Date();
    const invited = newPerson({ givenName: 'Never', familyName: 'Signed-In' });
    await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: member.organization.id,
      profile: { givenName: invited.givenName, familyName: invited.familyName, email: invited.email },
    });
    const browser = browserlessClient();
    const signIn = await browser.get(`${portal.url}/sign-in`);
    await browser.submit(signIn, { email: member.person.email, password: member.person.password }, '/login');
    const rows = await lastSignIns();
    const admin = rows.find((row) => row.email === member.person.email);
    expect(Date.parse(admin?.last_sign_in_at ?? '')).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(rows.find((row) => row.email === invited.email)?.last_sign_in_at).toBeNull();
  });

  it('the Extranet Login page lists the sign-in options and explains a failed sign-in (J5)', async () => {
    const browser = browserlessClient();
    const page = await browser.get(`${portal.url}/extranet-login`);
    expect(page.html).toContain('<h1>Extranet Login</h1>');
    const option = linkTo(page, 'Microsoft Dynamics Customers and Partners');
    const signIn = await browser.get(option);
    expect(signIn.url.startsWith(`${idp.issuer}/interaction/`)).toBe(true);
    const cancelled = await browser.get(linkTo(signIn, 'Cancel and go back'));
    expect(cancelled.url.startsWith(`${portal.url}/auth/callback`)).toBe(true);
    expect(cancelled.html).toContain('<h1>Extranet Login</h1>');
    expect(cancelled.html).toContain('The sign-in was cancelled');
    const forged = await browser.get(`${portal.url}/auth/callback?code=abc&state=forged`);
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('Choose how to sign in to try again');
    const home = await browser.get(`${portal.url}/`);
    expect(home.html).toContain('Welcome, User');
  });

  it('a signed-in person of no organization sees who they are and how to get access (J12)', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const page = await browser.get(`${portal.url}/sign-in`);
    expect(page.url).toBe(`${portal.url}/`);
    expect(page.status).toBe(403);
    expect(page.html).toContain(`You are signed in as <strong>${person.email}</strong>`);
    expect(page.html).toContain('administrator, or your partner (VAR) contact');
    expect(page.html).not.toContain('Licensing');
    expect((await browser.get(`${portal.url}/accounts`)).status).toBe(403);
    expect((await browser.get(`${portal.url}/org/${member.organization.id}/licensing`)).status).toBe(403);
  });

  it('an invitation opened by the wrong account is refused with what to do, and changes nothing', async () => {
    const invited = newPerson({ givenName: 'Invited' });
    const { person: other } = await signUpAtIdp(idp);
    await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: 'Litware',
      admin: { givenName: 'Invited', familyName: 'Person', email: invited.email },
    });
    const link = await invitationLink(idp, portal, invited.email);
    const refused = await acceptBySigningIn(link, other);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain(
      `You are signed in as ${other.email}, but this invitation was sent to another address. Sign out`,
    );
    const joined = await acceptBySigningUp(idp, link, invited);
    expect(usernameOf(joined.home)).toBe('Invited Lovelace');
    const again = await joined.browser.get(link);
    expect(again.url).toBe(`${portal.url}/`);
    const taken = await acceptBySigningIn(link, other);
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('already been used by another account');
  });

  it('while the IdP cannot be reached, Sign In says so instead of failing', async () => {
    const stranded = await startTestPortal(
      idp,
      { IDP_ISSUER: 'http://127.0.0.1:9' },
      { clientId: 'portal-without-idp' },
    );
    try {
      const page = await browserlessClient().get(`${stranded.url}/sign-in`);
      expect(page.status).toBe(503);
      expect(page.html).toContain(
        'Signing in with Microsoft Dynamics Customers and Partners is not possible right now',
      );
    } finally {
      await stranded.close();
    }
  });

  it('a broken invitation link says so without going to the IdP', async () => {
    const page = await browserlessClient().get(`${portal.url}/invitations/accept?token=not.a.token`);
    expect(page.status).toBe(400);
    expect(page.html).toContain('This invitation link is not valid');
  });

  it('signing out at the IdP ends the portal session through back-channel logout', async () => {
    const browser = browserlessClient();
    const signIn = await browser.get(`${portal.url}/sign-in`);
    const home = await browser.submit(
      signIn,
      { email: member.person.email, password: member.person.password },
      '/login',
    );
    expect(usernameOf(home)).toBe('Admin Northwind');
    const confirm = await browser.get(`${idp.issuer}/session/end`);
    await browser.submit(confirm, { logout: 'yes' });
    await expect
      .poll(async () => usernameOf(await browser.get(`${portal.url}/`)), { timeout: 5000 })
      .toBeUndefined();
    const forged = await browser.post(`${portal.url}/backchannel-logout`, { logout_token: 'x.y.z' });
    expect(forged.status).toBe(400);
  });
});
