import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClient } from '../../idp/clients/clients.ts';
import { rotateSigningKeys } from '../../idp/keys/signing-keys.ts';
import { createOidcAdapter } from '../../idp/storage/oidc-adapter.ts';
import { browserlessClient, type Page } from '../support/browserless-client.ts';
import { createTestDatabase } from '../support/database.ts';
import { linkTo } from '../support/html-page.ts';
import { signUpAtIdp } from '../support/idp-account.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  redeem,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';
import {
  acceptBySigningUp,
  invitationLink,
  organizationAdmin,
  usernameOf,
} from '../support/portal-people.ts';
import { type Deployment, startDeployment } from '../support/processes.ts';
import { rawRequest } from '../support/raw-request.ts';

describe('two IdP and two portal instances on one PostgreSQL, every request to the next instance', () => {
  let d: Deployment;
  let admin: Awaited<ReturnType<typeof organizationAdmin>>;
  beforeAll(async () => {
    d = await startDeployment({
      databaseUrl: await createTestDatabase(),
      idps: 2,
      portals: 2,
      env: { KEY_CHECK_SECONDS: '1' },
    });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
  }, 30_000);

  /** The instances that served the requests made by `step`, by service. */
  const servedBy = async <T>(step: () => Promise<T>) => {
    const [i, p] = [d.idpBalancer.served.length, d.portalBalancer.served.length];
    const result = await step();
    return {
      result,
      idps: new Set(d.idpBalancer.served.slice(i)),
      portals: new Set(d.portalBalancer.served.slice(p)),
    };
  };

  it('an invited administrator signs up, verifies, claims and lands signed in, across all four instances', async () => {
    const run = await servedBy(() => organizationAdmin(d.idp, d.portal, 'Northwind'));
    admin = run.result;
    expect(usernameOf(admin.home)).toBe('Admin Northwind');
    expect(run.idps.size).toBe(2);
    expect(run.portals.size).toBe(2);
  });

  it('the administrator adds and edits a professional who claims the invitation, across instances', async () => {
    const run = await servedBy(async () => {
      const accounts = await admin.browser.get(linkTo(admin.home, 'Our CustomerSource Accounts'));
      const org = await admin.browser.get(linkTo(accounts, 'Northwind'));
      const form = await admin.browser.get(linkTo(org, 'Add New Professionals'));
      const bob = newPerson({ givenName: 'Bob', familyName: 'Builder' });
      const before = d.smtp.messages.length;
      const profile = await admin.browser.submit(
        form,
        { givenName: 'Bob', familyName: 'Builder', email: bob.email, sendInvitation: 'yes' },
        '/professionals',
      );
      expect(profile.html).toContain('The invitation e-mail is on its way');
      const edit = await admin.browser.get(linkTo(profile, 'Edit'));
      const saved = await admin.browser.submit(
        edit,
        { givenName: 'Bob', familyName: 'Builder', email: bob.email, jobTitle: 'Buyer' },
        '/professionals/',
      );
      expect(saved.html).toContain('<dd>Buyer</dd>');
      const link = await invitationLink(d.idp, d.portal, bob.email, before);
      const joined = await acceptBySigningUp(d.idp, link, bob);
      expect(usernameOf(joined.home)).toBe('Bob Builder');
    });
    expect(run.idps.size).toBe(2);
    expect(run.portals.size).toBe(2);
  });

  it('Sign out then Sign In again work across instances (J9, J4)', async () => {
    const run = await servedBy(async () => {
      const home = await admin.browser.get(`${d.portal.url}/`);
      const confirm = await admin.browser.submit(home, {}, '/sign-out');
      const out = await admin.browser.submit(confirm, { logout: 'yes' });
      // The sign-out's state, kept in this browser, is checked by whichever instance it comes back to.
      expect(out.url.startsWith(`${d.portal.url}/?state=`), out.url).toBe(true);
      expect(out.html).toContain('You are signed out.');
      expect(out.html).toContain('Welcome, User');
      const signIn = await admin.browser.get(linkTo(out, 'Sign In'));
      const back = await admin.browser.submit(
        signIn,
        { email: admin.person.email, password: admin.person.password },
        '/login',
      );
      expect(usernameOf(back)).toBe('Admin Northwind');
    });
    expect(run.idps.size).toBe(2);
    expect(run.portals.size).toBe(2);
  });

  it('another app gets consent and tokens; a key rotated through one instance is published and used by both', async () => {
    const app = await registerClient(createOidcAdapter(d.idpOrm), {
      name: 'Partner App',
      redirectUris: [TEST_REDIRECT_URI],
    });
    const config = await discoverAsApp(d.idp.issuer, app);
    admin.browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const consent = await admin.browser.get(request.url.toString());
    expect(consent.html).toContain('Allow Partner App to access your account?');
    const back = await admin.browser.submit(consent, {}, '/confirm');
    const tokens = await redeem(config, request, back.url);
    expect(tokens.claims()?.email).toBe(admin.person.email);

    const newKid = (await rotateSigningKeys(d.idpOrm)).RS256;
    // Each instance itself, with the public Host its balancer sends.
    const host = new URL(d.idp.issuer).host;
    const jwksOf = async (origin: string) => (await rawRequest(`${origin}/jwks`, { headers: { host } })).body;
    for (const instance of d.idps) {
      await expect.poll(() => jwksOf(instance.origin), { timeout: 10_000, interval: 200 }).toContain(newKid);
    }
    const jwks = createRemoteJWKSet(new URL(`${d.idp.issuer}/jwks`));
    let refreshToken = tokens.refresh_token!;
    const servedAt = d.idpBalancer.served.length;
    for (let i = 0; i < 2; i++) {
      const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
      refreshToken = refreshed.refresh_token!;
      expect(decodeProtectedHeader(refreshed.id_token!).kid).toBe(newKid);
      await jwtVerify(refreshed.id_token!, jwks, { issuer: d.idp.issuer, audience: app.client_id });
    }
    expect(new Set(d.idpBalancer.served.slice(servedAt)).size).toBe(2);
    // What the old key signed still verifies: it stays published after the rotation.
    await jwtVerify(tokens.id_token!, jwks, { issuer: d.idp.issuer, audience: app.client_id });
  }, 30_000);

  it('failed sign-ins spread over both instances lock the account for that client', async () => {
    const { person } = await signUpAtIdp(d.idp);
    const browser = browserlessClient();
    let page: Page = await browser.get(`${d.idp.issuer}/account`);
    const postedTo = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const at = d.idpBalancer.served.length;
      page = await browser.submit(page, { email: person.email, password: 'wrong password 123' }, '/login');
      postedTo.add(d.idpBalancer.served[at]!);
      expect(page.status, page.html).toBe(401);
    }
    expect(postedTo.size).toBe(2);
    const locked = await browser.submit(page, { email: person.email, password: person.password }, '/login');
    expect(locked.status).toBe(429);
    expect(locked.html).toContain('Too many attempts');
  });

  it('with a dispatcher in every instance, each queued mail is sent exactly once', async () => {
    const burst = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    await d.domain.orm.em.getConnection().execute(
      `insert into portal.outbox_mail (id, "to", subject, text, html, created_at, attempts, next_attempt_at)
       select gen_random_uuid(), 'burst' || n || '@example.com', 'burst-' || n, 'x', '<p>x</p>', now(), 0, now()
       from generate_series(0, 39) as n`,
    );
    await expect
      .poll(() => d.smtp.messages.filter((m) => m.subject.startsWith('burst-')).length, {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(40);
    // Let any duplicate arrive before counting.
    await new Promise((ok) => setTimeout(ok, 1_500));
    const subjects = d.smtp.messages.map((m) => m.subject).filter((s) => s.startsWith('burst-'));
    expect(subjects.sort()).toEqual(burst.sort());
    const [sent] = await d.idpOrm.em.getConnection().execute<{ n: number }[]>(
      `select ((select count(*) from idp.outbox_mail where sent_at is not null)
             + (select count(*) from portal.outbox_mail where sent_at is not null))::int as n`,
    );
    expect(d.smtp.messages.length).toBe(sent!.n);
  }, 30_000);

  it('every instance is still alive', () => {
    for (const instance of [...d.idps, ...d.portals]) expect(instance.alive(), instance.output()).toBe(true);
  });
});
