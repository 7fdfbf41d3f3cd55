import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { csrfTokenOf } from '../support/html-page.ts';
import { accountRow, csrfOf, query, signUpAtIdp } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import {
  acceptBySigningUp,
  invitationLink,
  organizationAdmin,
  type PortalPerson,
  usernameOf,
} from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

/** `name=value` of each cookie `browser` holds for `origin` (a signed cookie's `.sig` by its own name). */
function cookiesOf(browser: BrowserlessClient, origin: string, names: readonly string[]): string[] {
  return names.map((name) => {
    const value = browser.cookie(origin, name);
    if (value === undefined) throw new Error(`the browser holds no ${name} cookie for ${origin}`);
    return `${name}=${value}`;
  });
}

/** POST a form as a browser holding exactly `cookies` would, asking for a JSON answer. */
async function postWith(url: string, cookies: readonly string[], form: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies.join('; '), accept: 'application/json' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.text() };
}

const CSRF_INVALID = {
  error: 'CSRF_INVALID',
  error_description:
    'This form has expired or was sent from another site. Go back, reload the page and try again.',
};

/**
 * A CSRF token and its cookie are bound to one session (OWASP CSRF cheat sheet, signed
 * double-submit with the session id; ASVS 5.0 V3.5.1): an attacker's own valid pair, planted in a
 * victim's browser beside the victim's session cookie, is refused and changes nothing.
 */
describe('CSRF tokens are bound to the session', () => {
  let idp: TestIdp;
  let portal: TestPortal;

  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  describe('portal', () => {
    let alice: PortalPerson & { organization: { id: string } };
    let bob: PortalPerson & { organization: { id: string } };
    beforeAll(async () => {
      alice = await organizationAdmin(idp, portal, 'Alpha Binding');
      bob = await organizationAdmin(idp, portal, 'Beta Binding');
    });

    it("a token and cookie from one session, sent with another session's cookie, are refused and change nothing", async () => {
      const alicePair = {
        token: csrfTokenOf(alice.home.html),
        cookie: cookiesOf(alice.browser, portal.url, ['portal_csrf']),
      };
      const withBobsSession = [
        ...cookiesOf(bob.browser, portal.url, ['portal_session']),
        ...alicePair.cookie,
      ];
      const before = await portalState(portal);
      const add = await postWith(
        `${portal.url}/accounts/${bob.organization.id}/professionals`,
        withBobsSession,
        {
          _csrf: alicePair.token,
          givenName: 'Mallory',
          familyName: 'Planted',
          email: newPerson().email,
        },
      );
      const signOut = await postWith(`${portal.url}/sign-out`, withBobsSession, { _csrf: alicePair.token });
      for (const refused of [add, signOut]) {
        expect(refused.status).toBe(403);
        expect(JSON.parse(refused.body)).toEqual(CSRF_INVALID);
      }
      expect(await portalState(portal)).toBe(before);
      expect(usernameOf(await bob.browser.get(`${portal.url}/`))).toBe('Admin Beta Binding');
      // Alice's pair is good in Alice's own session.
      const own = await postWith(
        `${portal.url}/sign-out`,
        [...cookiesOf(alice.browser, portal.url, ['portal_session']), ...alicePair.cookie],
        { _csrf: alicePair.token },
      );
      expect(own.status).toBe(303);
    });

    it('the token renews with the session id at sign-in; a page rendered in the renewing request carries the new one', async () => {
      const signedIn = await organizationAdmin(idp, portal, 'Gamma Binding');
      const before = {
        session: signedIn.browser.cookie(portal.url, 'portal_session'),
        token: csrfTokenOf(signedIn.home.html),
      };
      // Sign In again (single sign-on at the IdP): the portal gives the session a new id.
      const again = await signedIn.browser.get(`${portal.url}/sign-in`);
      expect(usernameOf(again)).toBe('Admin Gamma Binding');
      const session = signedIn.browser.cookie(portal.url, 'portal_session');
      expect(session).not.toBe(before.session);
      const cookies = cookiesOf(signedIn.browser, portal.url, ['portal_session', 'portal_csrf']);
      const stale = await postWith(`${portal.url}/sign-out`, cookies, { _csrf: before.token });
      expect(stale.status).toBe(403);
      expect(JSON.parse(stale.body)).toEqual(CSRF_INVALID);
      expect(csrfTokenOf(again.html)).not.toBe(before.token);
      expect(
        (await postWith(`${portal.url}/sign-out`, cookies, { _csrf: csrfTokenOf(again.html) })).status,
      ).toBe(303);

      // A refused invitation is shown by the very callback that renewed the session: its form works.
      const invited = newPerson();
      await createOrganization(portal.domain, {
        actor: SYSTEM_ACTOR,
        name: 'Delta Binding',
        kind: 'customer',
        admin: { givenName: invited.givenName, familyName: invited.familyName, email: invited.email },
      });
      const someoneElse = await acceptBySigningUp(
        idp,
        await invitationLink(idp, portal, invited.email),
        newPerson({ givenName: 'Other' }),
      );
      expect(someoneElse.home.html).toContain('Invitation not accepted');
      someoneElse.browser.stopAt.push(`${idp.issuer}/`);
      const out = await someoneElse.browser.submit(someoneElse.home, {}, '/sign-out');
      expect(out.url.startsWith(`${idp.issuer}/session/end`), out.html).toBe(true);
    });
  });

  describe('IdP', () => {
    const sessions = () => query(idp, `select id from idp.oidc_payload where model = 'Session' order by id`);

    it("an interaction page's token and cookie, sent with another interaction's cookie, are refused and sign no one in", async () => {
      const { person } = await signUpAtIdp(idp);
      const [alice, bob] = [browserlessClient(), browserlessClient()];
      const alicePage = await alice.get(`${idp.issuer}/account`);
      const bobPage = await bob.get(`${idp.issuer}/account`);
      const credentials = { email: person.email, password: person.password };
      const before = await sessions();
      const planted = await postWith(
        `${bobPage.url}/login`,
        [
          ...cookiesOf(bob, idp.issuer, ['_interaction', '_interaction.sig']),
          ...cookiesOf(alice, idp.issuer, ['csrf', 'csrf.sig']),
        ],
        { _csrf: csrfOf(alicePage, '/login'), ...credentials },
      );
      expect(planted.status).toBe(403);
      expect(JSON.parse(planted.body)).toEqual(CSRF_INVALID);
      expect(await sessions()).toEqual(before);
      // Bob's own pair signs in.
      const own = await bob.submit(bobPage, credentials, '/login');
      expect(own.url.startsWith(`${idp.issuer}/account`), own.html).toBe(true);
    });

    it("an account page's token and cookie, sent with another signed-in session's cookie, are refused and change nothing", async () => {
      const alice = await signUpAtIdp(idp);
      const bob = await signUpAtIdp(idp);
      const before = await accountRow(idp, bob.person.email);
      const planted = await postWith(
        `${idp.issuer}/account/profile`,
        [
          ...cookiesOf(bob.browser, idp.issuer, ['_session', '_session.sig']),
          ...cookiesOf(alice.browser, idp.issuer, ['csrf', 'csrf.sig']),
        ],
        {
          _csrf: csrfOf(alice.account, '/account/profile'),
          givenName: 'Mallory',
          familyName: 'Planted',
          birthdate: '1980-01-01',
        },
      );
      expect(planted.status).toBe(403);
      expect(JSON.parse(planted.body)).toEqual(CSRF_INVALID);
      expect(await accountRow(idp, bob.person.email)).toEqual(before);
      const own = await bob.browser.submit(
        bob.account,
        {
          givenName: 'Robert',
          familyName: bob.person.familyName,
          birthdate: bob.person.birthdate,
          gender: '',
        },
        '/account/profile',
      );
      expect(own.html).toContain('Your profile is saved.');
    });
  });
});
