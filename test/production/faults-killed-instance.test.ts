import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClient } from '../../idp/clients/clients.ts';
import { createOidcAdapter } from '../../idp/storage/oidc-adapter.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { createTestDatabase } from '../support/database.ts';
import { linkTo } from '../support/html-page.ts';
import { newPerson, signUpFromSignIn } from '../support/oidc-client.ts';
import { invitationLink, organizationAdmin, usernameOf } from '../support/portal-people.ts';
import {
  type Deployment,
  type RoundRobin,
  type ServiceProcess,
  startDeployment,
} from '../support/processes.ts';

describe('an instance killed in the middle of a journey', () => {
  let d: Deployment;
  let admin: Awaited<ReturnType<typeof organizationAdmin>>;
  beforeAll(async () => {
    d = await startDeployment({ databaseUrl: await createTestDatabase(), idps: 2, portals: 2 });
    admin = await organizationAdmin(d.idp, d.portal, 'Tailspin');
  }, 60_000);
  afterAll(async () => {
    await d?.close();
  }, 30_000);

  /** The instance behind `balancer` that served the latest request. */
  const lastServedBy = (balancer: RoundRobin, instances: readonly ServiceProcess[]) =>
    instances.find((i) => i.origin === balancer.served.at(-1))!;

  it('a person whose sign-in page came from a killed IdP (and portal) finishes on the others', async () => {
    const browser = browserlessClient();
    const signIn = await browser.get(`${d.portal.url}/sign-in`);
    expect(signIn.html).toContain('<h1>Sign in</h1>');
    const idpServed = lastServedBy(d.idpBalancer, d.idps);
    const portalStarted = d.portals.find((p) => d.portalBalancer.served.includes(p.origin))!;
    await Promise.all([idpServed.kill(), portalStarted.kill()]);

    const home = await browser.submit(
      signIn,
      { email: admin.person.email, password: admin.person.password },
      '/login',
    );
    expect(home.url).toBe(`${d.portal.url}/`);
    expect(usernameOf(home)).toBe('Admin Tailspin');
    // Back to two of each for what follows.
    await Promise.all([d.addInstance('idp'), d.addInstance('portal')]);
  }, 30_000);

  it('an invitee whose claim was under way on killed instances finishes joining on the others', async () => {
    const invitee = newPerson({ givenName: 'Ines', familyName: 'Invitee' });
    const accounts = await admin.browser.get(linkTo(admin.home, 'Our CustomerSource Accounts'));
    const form = await admin.browser.get(
      linkTo(await admin.browser.get(linkTo(accounts, 'Tailspin')), 'Add New Professionals'),
    );
    const before = d.smtp.messages.length;
    await admin.browser.submit(
      form,
      { givenName: 'Ines', familyName: 'Invitee', email: invitee.email, sendInvitation: 'yes' },
      '/professionals',
    );
    const link = await invitationLink(d.idp, d.portal, invitee.email, before);

    const browser = browserlessClient();
    const portalMark = d.portalBalancer.served.length;
    const signIn = await browser.get(link);
    expect(signIn.url.startsWith(`${d.idp.issuer}/interaction/`), signIn.html).toBe(true);
    const alive = (list: readonly ServiceProcess[]) => list.filter((p) => p.alive());
    const portalOfLink = alive(d.portals).find((p) => p.origin === d.portalBalancer.served[portalMark])!;
    await Promise.all([lastServedBy(d.idpBalancer, alive(d.idps)).kill(), portalOfLink.kill()]);

    const home = await signUpFromSignIn(browser, signIn, d.smtp, invitee);
    expect(home.url).toBe(`${d.portal.url}/`);
    expect(usernameOf(home)).toBe('Ines Invitee');
    const [row] = await d.domain.orm.em
      .getConnection()
      .execute<{ status: string }[]>('select status from portal.professional where email = ?', [
        invitee.email,
      ]);
    expect(row?.status).toBe('active');
  }, 30_000);

  it('SIGTERM lets a request in flight complete, then each service exits 0', async () => {
    const app = await registerClient(createOidcAdapter(d.idpOrm), {
      name: 'Drain App',
      redirectUris: ['http://127.0.0.1:9/callback'],
    });
    const idp = d.idps.find((p) => p.alive())!;
    const body = `grant_type=client_credentials&client_id=${app.client_id}&client_secret=${app.client_secret}`;
    const token = await postDuringSigterm(idp, d.idp.issuer, '/token', body);
    expect(token.status, token.body).toBe(200);
    expect(JSON.parse(token.body)).toMatchObject({ token_type: 'Bearer' });
    expect(token.exitCode, idp.output()).toBe(0);

    // The portal too: its answer (a logout token it cannot verify) still reaches the caller.
    const portal = d.portals.find((p) => p.alive())!;
    const logout = await postDuringSigterm(portal, d.portal.url, '/backchannel-logout', 'logout_token=x.y.z');
    expect(logout.status, logout.body).toBe(400);
    expect(logout.exitCode, portal.output()).toBe(0);
  }, 30_000);
});

/**
 * POST to `instance` sending the headers and half the body, SIGTERM it while it waits for the
 * rest, check it is still draining, send the rest: the answer, and the exit code once it stopped.
 */
async function postDuringSigterm(instance: ServiceProcess, publicUrl: string, path: string, form: string) {
  const body = Buffer.from(form);
  const half = Math.floor(body.length / 2);
  const req = request(`${instance.origin}${path}`, {
    method: 'POST',
    agent: false,
    headers: {
      // The public Host, as the balancer sends it: each service answers only for its own.
      host: new URL(publicUrl).host,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(body.length),
      accept: 'application/json',
      connection: 'close',
    },
  });
  const answer = new Promise<{ status: number; body: string }>((ok, fail) => {
    req.on('response', async (res) => {
      ok({ status: res.statusCode ?? 0, body: Buffer.concat(await res.toArray()).toString() });
    });
    req.on('error', fail);
  });
  req.write(body.subarray(0, half));
  await new Promise((ok) => setTimeout(ok, 200));
  const exit = instance.stop();
  await new Promise((ok) => setTimeout(ok, 500));
  expect(instance.alive(), 'still draining the request in flight').toBe(true);
  req.end(body.subarray(half));
  const response = await answer;
  return { ...response, exitCode: await exit };
}
