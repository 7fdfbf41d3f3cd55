import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { linkTo, textOf } from '../support/html-page.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { type PartnerOp, partnerOption, startPartnerOp } from '../support/partner-op.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { acceptBySigningUp, invitationLink, usernameOf } from '../support/portal-people.ts';

const BUILT_IN = 'Microsoft Dynamics Customers and Partners';
const PARTNER = 'Fabrikam Partner Network';

describe('every sign-in option works end to end: the built-in IdP and a partner’s own provider', () => {
  let idp: TestIdp;
  let op: PartnerOp;
  let portal: TestPortal;
  beforeAll(async () => {
    idp = await startTestIdp();
    const port = await freePort();
    op = await startPartnerOp(`http://127.0.0.1:${port}`);
    portal = await startTestPortal(
      idp,
      {
        // The built-in IdP named without a client: the portal's own (PORTAL_CLIENT_*) is used.
        SIGN_IN_OPTIONS: JSON.stringify([{ id: 'dynamics', label: BUILT_IN }, partnerOption(op, PARTNER)]),
      },
      { port },
    );
  });
  afterAll(async () => {
    await portal?.close();
    await op?.close();
    await idp?.close();
  });

  /** A partner login, invited to a new organization of its own; the invitation link. */
  async function invitedPartnerPerson(login: string, emailVerified: boolean | undefined) {
    const email = `${login}.${Date.now()}@fabrikam.test`;
    op.addAccount(login, { email, name: `Pat ${login}`, emailVerified });
    await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: `Fabrikam ${login}`,
      admin: { givenName: 'Pat', familyName: login, email },
    });
    return { email, link: await invitationLink(idp, portal, email) };
  }

  /** At the partner's login page (any password), then its consent page: back to the portal. */
  async function signInAtPartner(browser: BrowserlessClient, page: Page, login: string): Promise<Page> {
    expect(page.url.startsWith(`${op.issuer}/interaction/`), page.url).toBe(true);
    const consent = await browser.submit(page, { login, password: 'any' });
    return consent.url.startsWith(op.issuer) ? browser.submit(consent, {}) : consent;
  }

  /** A new person invited to an organization of their own, signed up through the built-in option. */
  async function joinedThroughBuiltIn(givenName: string, organizationName: string) {
    const person = newPerson({ givenName, familyName: 'BuiltIn' });
    await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: organizationName,
      admin: { givenName, familyName: 'BuiltIn', email: person.email },
    });
    const browser = browserlessClient();
    const choice = await browser.get(await invitationLink(idp, portal, person.email));
    const builtIn = new URL(linkTo(choice, BUILT_IN), portal.url).href;
    const joined = await acceptBySigningUp(idp, builtIn, person, browser);
    expect(usernameOf(joined.home)).toBe(`${givenName} BuiltIn`);
    return { browser, home: joined.home };
  }

  const statusOf = async (email: string) =>
    (await portal.domain.orm.em.fork().findOneOrFail(Professional, { email })).status;

  it('Extranet Login lists both options; the invitation link asks which one too', async () => {
    const browser = browserlessClient();
    const choice = await browser.get(`${portal.url}/sign-in`);
    expect(choice.html).toContain('<h1>Extranet Login</h1>');
    expect(choice.html).toContain(BUILT_IN);
    expect(choice.html).toContain(PARTNER);
    const { link } = await invitedPartnerPerson('listed', true);
    expect((await browser.get(link)).html).toContain('<h1>Extranet Login</h1>');
  });

  it('an invitation is claimed through the partner’s provider (client_secret_post), and the option remembered', async () => {
    const { email, link } = await invitedPartnerPerson('ana', true);
    const browser = browserlessClient();
    const choice = await browser.get(link);
    const home = await signInAtPartner(browser, await browser.get(linkTo(choice, PARTNER)), 'ana');
    expect(home.url).toBe(`${portal.url}/`);
    expect(usernameOf(home)).toBe('Pat ana');
    const claimed = await portal.domain.orm.em.fork().findOneOrFail(Professional, { email });
    expect(claimed).toMatchObject({ status: 'active', idpIssuer: op.issuer, idpSubject: 'ana' });
    // Sign In now goes straight to the partner's provider, which still knows the person.
    const out = await browser.submit(home, {}, '/sign-out');
    const signedOut = await browser.submit(out, { logout: 'yes' });
    expect(signedOut.html).toContain('You are signed out.');
    const again = await browser.get(linkTo(signedOut, 'Sign In'));
    expect(again.url.startsWith(`${op.issuer}/interaction/`), again.url).toBe(true);
  });

  it('cancelling at the partner’s provider returns to Extranet Login with the invitation still pending', async () => {
    const { email, link } = await invitedPartnerPerson('ben', true);
    const browser = browserlessClient();
    const atPartner = await browser.get(linkTo(await browser.get(link), PARTNER));
    const cancelled = await browser.get(linkTo(atPartner, '[ Cancel ]'));
    expect(cancelled.url.startsWith(`${portal.url}/auth/callback`), cancelled.url).toBe(true);
    expect(cancelled.html).toContain('<h1>Extranet Login</h1>');
    expect(textOf(cancelled.html, '[role=alert]')).toContain('The sign-in was cancelled');
    expect(await statusOf(email)).toBe('invited');
    // Choose again: the invitation went nowhere meanwhile, and is claimed on return.
    const home = await signInAtPartner(browser, await browser.get(linkTo(cancelled, PARTNER)), 'ben');
    expect(usernameOf(home)).toBe('Pat ben');
    expect(await statusOf(email)).toBe('active');
  });

  it('a provider that does not assert email_verified cannot claim, says so, and the invitation stays pending', async () => {
    const { email, link } = await invitedPartnerPerson('cy', undefined);
    const browser = browserlessClient();
    const refused = await signInAtPartner(
      browser,
      await browser.get(linkTo(await browser.get(link), PARTNER)),
      'cy',
    );
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('Invitation not accepted');
    expect(refused.html).toContain('does not confirm that');
    expect(await statusOf(email)).toBe('invited');
  });

  it('the built-in option still signs in: an invitation through it, then sign-out back home', async () => {
    const { browser, home: signedIn } = await joinedThroughBuiltIn('Dee', 'Built In Ltd');
    const confirm = await browser.submit(signedIn, {}, '/sign-out');
    expect(confirm.url.startsWith(idp.issuer), confirm.url).toBe(true);
    const home = await browser.submit(confirm, { logout: 'yes' });
    expect(home.url.startsWith(`${portal.url}/?state=`), home.url).toBe(true);
    expect(home.html).toContain('You are signed out.');
    expect(usernameOf(home)).toBeUndefined();
  });

  it('back-channel logout from the built-in IdP ends its session beside the partner option', async () => {
    const { browser } = await joinedThroughBuiltIn('Ed', 'Built In Two Ltd');
    // Signing out at the IdP itself: its logout token reaches the portal, checked with its keys.
    await browser.submit(await browser.get(`${idp.issuer}/session/end`), { logout: 'yes' });
    await expect
      .poll(async () => usernameOf(await browser.get(`${portal.url}/`)), { timeout: 5000 })
      .toBeUndefined();
  });

  describe('back-channel logout from the partner’s provider', () => {
    async function signedInThroughPartner(login: string) {
      const { link } = await invitedPartnerPerson(login, true);
      const browser = browserlessClient();
      const home = await signInAtPartner(
        browser,
        await browser.get(linkTo(await browser.get(link), PARTNER)),
        login,
      );
      expect(usernameOf(home)).toBe(`Pat ${login}`);
      return browser;
    }
    const postLogout = (logoutToken: string) =>
      fetch(`${portal.url}/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: logoutToken }),
      });
    const signedInName = async (browser: BrowserlessClient) =>
      usernameOf(await browser.get(`${portal.url}/`));

    it('a logout token without a typ header ends the session, verified against that provider’s keys', async () => {
      const browser = await signedInThroughPartner('dan');
      expect((await postLogout(await op.logoutToken({ sub: 'dan' }))).status).toBe(200);
      expect(await signedInName(browser)).toBeUndefined();
    });

    it('a logout+jwt typed one does too', async () => {
      const browser = await signedInThroughPartner('eve');
      expect((await postLogout(await op.logoutToken({ sub: 'eve' }, { typ: 'logout+jwt' }))).status).toBe(
        200,
      );
      expect(await signedInName(browser)).toBeUndefined();
    });

    it('an ID token, another typ, a stale iat or a token of another issuer ends nothing', async () => {
      const browser = await signedInThroughPartner('fay');
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
      const refused = [
        await op.logoutToken({ sub: 'fay' }, { typ: 'at+jwt' }),
        await op.logoutToken({ sub: 'fay' }, { iat: tenMinutesAgo }),
        // An ID token posted in its place: right issuer, key and audience, but no events claim.
        await idTokenOf(op, 'fay'),
        // The same claims signed by a key the partner's provider does not publish.
        await new SignJWT({
          sub: 'fay',
          events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(op.issuer)
          .setAudience(op.clientId)
          .setIssuedAt()
          .sign(new TextEncoder().encode('x'.repeat(32))),
      ];
      for (const token of refused) expect((await postLogout(token)).status).toBe(400);
      expect(await signedInName(browser)).toBe('Pat fay');
    });
  });
});

/** What an ID token of the partner's provider looks like to the portal: a nonce, and no events. */
function idTokenOf(op: PartnerOp, sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return op.signed(
    { iss: op.issuer, aud: op.clientId, sub, iat: now, exp: now + 300, nonce: 'n-0S6_WzA2Mj' },
    'JWT',
  );
}
