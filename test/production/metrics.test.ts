import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { organizationAdmin, usernameOf } from '../support/portal-people.ts';
import { rawRequest } from '../support/raw-request.ts';

const METRICS_TOKEN = 'metrics-token-of-this-test-0123456789';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition. */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none. */
function sampleValue(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = all.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/**
 * A Unix socket whose connections the service's own HTTP server answers. Its peer has no IP
 * address at all: to the service it is, like a scraper on another machine, not loopback.
 */
async function socketInto(server: Server): Promise<{ path: string; close(): Promise<void> }> {
  const path = join(mkdtempSync(join(tmpdir(), 'metrics-')), 'peer.sock');
  const bridge = createNetServer((socket) => server.emit('connection', socket));
  await new Promise<void>((ok) => bridge.listen(path, ok));
  return { path, close: () => new Promise<void>((ok) => bridge.close(() => ok())) };
}

describe('Prometheus metrics of each service', () => {
  let idp: TestIdp;
  let portal: TestPortal;

  const scrape = async (url: string, token?: string) => {
    const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return samples(await res.text());
  };

  beforeAll(async () => {
    idp = await startTestIdp({ METRICS_TOKEN });
    portal = await startTestPortal(idp);
    // An invitation sent and claimed (the administrator signs up through it), then sign-out and
    // Sign In again: one wrong password, then the right one.
    const admin = await organizationAdmin(idp, portal, 'Tailspin');
    const confirm = await admin.browser.submit(admin.home, {}, '/sign-out');
    const home = await admin.browser.submit(confirm, { logout: 'yes' });
    const signIn = await admin.browser.get(linkTo(home, 'Sign In'));
    const refused = await admin.browser.submit(
      signIn,
      { email: admin.person.email, password: 'not the password at all' },
      '/login',
    );
    expect(refused.status).toBe(401);
    const back = await admin.browser.submit(
      refused,
      { email: admin.person.email, password: admin.person.password },
      '/login',
    );
    expect(usernameOf(back)).toBe('Admin Tailspin');
    await signInUnverified();
    expect((await browserlessClient().get(`${portal.url}/no-such-page`)).status).toBe(404);
  }, 60_000);
  /** Sign up without entering the code, then sign in with the right password: `unverified`. */
  const signInUnverified = async () => {
    const person = newPerson({ givenName: 'Una' });
    const browser = browserlessClient();
    const signIn = await browser.get(`${portal.url}/sign-in`);
    const signUp = await browser.get(linkTo(signIn, 'Sign up now'));
    const verify = await browser.submit(signUp, {
      givenName: person.givenName,
      familyName: person.familyName,
      email: person.email,
      password: person.password,
      birthdate: person.birthdate,
      acceptTerms: 'yes',
    });
    expect(verify.html).toContain('Verify your e-mail');
    const again = await browser.get(`${portal.url}/sign-in`);
    const page = await browser.submit(again, { email: person.email, password: person.password }, '/login');
    expect(page.html).toContain('not verified yet');
  };
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  it('the IdP counts sign-ins by outcome and the tokens it issued, by kind', async () => {
    const idpSamples = await scrape(idp.issuer, METRICS_TOKEN);
    const signInCount = (outcome: string) => sampleValue(idpSamples, 'idp_sign_ins_total', { outcome });
    expect(signInCount('invalid_credentials')).toBe(1);
    expect(signInCount('success')).toBe(1);
    expect(signInCount('unverified')).toBe(1);
    expect(signInCount('rate_limited')).toBe(0);
    // Two code flows: the sign-up through the invitation, then Sign In.
    const issued = (kind: string) => sampleValue(idpSamples, 'idp_tokens_issued_total', { kind });
    expect(issued('authorization_code')).toBe(2);
    expect(issued('access_token')).toBe(2);
    expect(issued('refresh_token')).toBe(2);
    expect(issued('client_credentials')).toBe(0);
  });

  it('the portal counts invitations sent and claimed, on a registry of its own', async () => {
    const portalSamples = await scrape(portal.url);
    expect(sampleValue(portalSamples, 'portal_invitations_sent_total')).toBe(1);
    expect(sampleValue(portalSamples, 'portal_invitations_claimed_total')).toBe(1);
    expect(sampleValue(portalSamples, 'idp_sign_ins_total', { outcome: 'success' })).toBeUndefined();
    expect(
      sampleValue(await scrape(idp.issuer, METRICS_TOKEN), 'portal_invitations_sent_total'),
    ).toBeUndefined();
  });

  it('request latency is a histogram by method, route pattern and status; every 404 shares one route', async () => {
    const idpSamples = await scrape(idp.issuer, METRICS_TOKEN);
    const count = (all: Sample[], labels: Record<string, string>) =>
      sampleValue(all, 'http_request_duration_seconds_count', labels);
    expect(count(idpSamples, { method: 'POST', route: '/token', status: '200' })).toBe(2);
    expect(count(idpSamples, { method: 'POST', route: '/interaction/:uid/login', status: '401' })).toBe(1);
    const buckets = idpSamples.filter(
      (s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.route === '/token',
    );
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: 2 });
    const portalSamples = await scrape(portal.url);
    expect(count(portalSamples, { method: 'GET', route: '/auth/callback', status: '303' })).toBe(2);
    expect(count(portalSamples, { method: 'GET', route: '(unmatched)', status: '404' })).toBe(1);
    const routes = new Set(portalSamples.map((s) => s.labels.route).filter(Boolean));
    for (const route of routes) expect(route).not.toMatch(/[\dA-Z]{16}|[0-9a-f]{8}-/);
  });

  it('the outbox gauges show how many mails wait and for how long', async () => {
    await expect
      .poll(async () => sampleValue(await scrape(idp.issuer, METRICS_TOKEN), 'outbox_pending'))
      .toBe(0);
    // SMTP refusing this one: it waits, queued 90 s ago, its next attempt far off.
    await portal.domain.orm.em.getConnection().execute(
      `insert into portal.outbox_mail (id, "to", subject, text, html, created_at, next_attempt_at)
       values (gen_random_uuid(), 'stuck@metrics.test', 's', 't', 'h', now() - interval '90 seconds', now() + interval '1 hour')`,
    );
    const portalSamples = await scrape(portal.url);
    expect(sampleValue(portalSamples, 'outbox_pending')).toBe(1);
    expect(sampleValue(portalSamples, 'outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(sampleValue(portalSamples, 'outbox_oldest_pending_age_seconds')).toBeLessThan(120);
  });

  it('with METRICS_TOKEN set, /metrics answers only the bearer of that token', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token',
      `Basic ${METRICS_TOKEN}`,
      `Bearer ${METRICS_TOKEN}x`,
    ]) {
      const res = await fetch(`${idp.issuer}/metrics`, authorization ? { headers: { authorization } } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await res.text()).not.toContain('idp_sign_ins_total');
    }
    expect((await scrape(idp.issuer, METRICS_TOKEN)).length).toBeGreaterThan(0);
    // From a peer that is not loopback, the token alone decides.
    const peer = await socketInto(idp.running.server);
    try {
      const viaPeer = (authorization?: string) =>
        rawRequest(`${idp.issuer}/metrics`, {
          socketPath: peer.path,
          headers: authorization ? { authorization } : {},
        });
      expect((await viaPeer()).status).toBe(401);
      const scraped = await viaPeer(`Bearer ${METRICS_TOKEN}`);
      expect(scraped.status).toBe(200);
      expect(scraped.body).toContain('idp_sign_ins_total');
    } finally {
      await peer.close();
    }
  });

  it('without METRICS_TOKEN, /metrics answers this machine only: never a peer that is not loopback, nor a request a proxy relayed', async () => {
    // The portal was started without a token: a scraper on this machine gets its metrics.
    expect((await scrape(portal.url)).length).toBeGreaterThan(0);
    const proxied = await startTestPortal(
      idp,
      { TRUST_PROXY: 'true' },
      { clientId: 'portal-metrics-proxied' },
    );
    const peers = [await socketInto(portal.running.server), await socketInto(proxied.running.server)];
    try {
      const refusals = [
        await rawRequest(`${portal.url}/metrics`, { socketPath: peers[0]!.path }),
        // Behind a trusted proxy, X-Forwarded-For names the client: it is still not the socket.
        await rawRequest(`${proxied.url}/metrics`, {
          socketPath: peers[1]!.path,
          headers: { 'x-forwarded-for': '127.0.0.1' },
        }),
        // A loopback socket that carries a proxy's headers is a proxy on this machine, relaying.
        await rawRequest(`${proxied.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } }),
        await rawRequest(`${portal.url}/metrics`, { headers: { forwarded: 'for=203.0.113.7' } }),
      ];
      for (const refused of refusals) {
        expect(refused.status).toBe(403);
        expect(refused.body).toBe(
          'metrics are served to this machine only; set METRICS_TOKEN to scrape from elsewhere\n',
        );
      }
    } finally {
      for (const peer of peers) await peer.close();
      await proxied.close();
    }
  });

  it('production refuses to start without METRICS_TOKEN, naming it; with one it starts', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://gatehouse@127.0.0.1:5432/gatehouse',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      COOKIE_SECRETS: 'a-cookie-secret-of-at-least-32-characters',
      IDP_ISSUER: 'https://id.example.test',
      PORTAL_URL: 'https://portal.example.test',
    };
    expect(() => loadConfig(production)).toThrow(ConfigError);
    expect(() => loadConfig(production)).toThrow(
      'Invalid configuration:\n  METRICS_TOKEN: required in production, so that /metrics is not public',
    );
    expect(loadConfig({ ...production, METRICS_TOKEN }).METRICS_TOKEN).toBe(METRICS_TOKEN);
  });
});
