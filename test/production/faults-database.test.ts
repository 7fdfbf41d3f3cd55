import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedDatabase,
  freePort,
  startEmbeddedPostgres,
} from '../../adapters/db/embedded-postgres.ts';
import { portalClientUris } from '../../config/portal-client-uris.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { linkTo, textOf } from '../support/html-page.ts';
import { isAccountPage } from '../support/idp-account.ts';
import { invariantViolations } from '../support/portal-domain.ts';
import { organizationAdmin } from '../support/portal-people.ts';
import { type Deployment, startDeployment } from '../support/processes.ts';

/** What one request of the steady load got, and when. */
interface Outcome {
  readonly phase: 'before' | 'outage' | 'after';
  /** HTTP status, or `hang` when no answer came within the step's time limit. */
  readonly status: number | 'hang';
  readonly acknowledged: boolean;
  readonly browser?: BrowserlessClient;
  readonly email?: string;
  /** Where a refused request ended and what it said. */
  readonly detail?: string;
}

const STEP_TIMEOUT_MS = 15_000;
const OUTAGE_MS = 3_000;

describe('PostgreSQL stopped for a few seconds under a steady load of sign-ins and admin edits', () => {
  let root: string;
  let port: number;
  let pg: EmbeddedDatabase | undefined;
  let d: Deployment;
  let admin: Awaited<ReturnType<typeof organizationAdmin>>;
  let phase: Outcome['phase'] = 'before';
  const outcomes: Outcome[] = [];
  const probes: { what: string; status: number; retryAfter: string | null; body: string }[] = [];

  // Our own PostgreSQL on a fixed port, so the restarted one has the same URL; never the shared one.
  const startPostgres = () => startEmbeddedPostgres({ dataDir: join(root, 'pg'), port });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gatehouse-faults-'));
    await chmod(root, 0o755);
    port = await freePort();
    pg = await startPostgres();
    d = await startDeployment({ databaseUrl: pg.url(), idps: 1, portals: 1 });
    admin = await organizationAdmin(d.idp, d.portal, 'Contoso');
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await pg?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 30_000);

  const timed = <T>(step: Promise<T>): Promise<T | 'hang'> =>
    Promise.race([step, new Promise<'hang'>((ok) => setTimeout(() => ok('hang'), STEP_TIMEOUT_MS))]);

  const signIns = async (until: () => boolean) => {
    for (let i = 0; i < 200 && !until(); i++) {
      const at = phase;
      const browser = browserlessClient();
      const page = await timed(
        (async () => {
          const form = await browser.get(`${d.idp.issuer}/account`);
          if (form.status !== 200) return form;
          const { email, password } = admin.person;
          return browser.submit(form, { email, password }, '/login');
        })().catch(failedPage),
      );
      const status = page === 'hang' ? 'hang' : page.status;
      const acknowledged = page !== 'hang' && isAccountPage(page);
      outcomes.push({ phase: at, status, acknowledged, browser, detail: detailOf(page, acknowledged) });
      await pause(100);
    }
  };

  const adds = async (until: () => boolean) => {
    const org = await admin.browser.get(
      linkTo(await admin.browser.get(`${d.portal.url}/accounts`), 'Contoso'),
    );
    const formUrl = linkTo(org, 'Add New Professionals');
    for (let i = 0; i < 200 && !until(); i++) {
      const at = phase;
      const email = `load-${i}@example.com`;
      const page = await timed(
        (async () => {
          const form = await admin.browser.get(formUrl);
          if (form.status !== 200) return form;
          const fields = { givenName: 'Load', familyName: `N${i}`, email, sendInvitation: 'yes' };
          return admin.browser.submit(form, fields, '/professionals');
        })().catch(failedPage),
      );
      const status = page === 'hang' ? 'hang' : page.status;
      const acknowledged = page !== 'hang' && page.html.includes('The invitation e-mail is on its way');
      outcomes.push({ phase: at, status, acknowledged, email, detail: detailOf(page, acknowledged) });
      await pause(100);
    }
  };

  it('answers 503 during the outage, recovers without a restart, and loses nothing acknowledged', async () => {
    const afterOk = () => outcomes.filter((o) => o.phase === 'after' && o.acknowledged).length >= 4;
    let deadline = Date.now() + 40_000;
    const done = () => afterOk() || Date.now() > deadline;
    const load = Promise.all([signIns(done), adds(done)]);

    await pause(2_000);
    phase = 'outage';
    await pg!.stop();
    pg = undefined;
    probes.push(...(await probeEndpoints(d, admin.browser.cookie(d.portal.url, 'portal_session')!)));
    await pause(OUTAGE_MS);
    pg = await startPostgres();
    phase = 'after';
    deadline = Date.now() + 30_000;
    await load;

    const report = [
      JSON.stringify(outcomes.map(({ browser: _, ...o }) => o)),
      ...[...d.idps, ...d.portals].map((p) => p.output()),
    ].join('\n');
    expect(outcomes.filter((o) => o.phase === 'before' && o.acknowledged).length, report).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.phase === 'outage' && !o.acknowledged).length, report).toBeGreaterThan(0);
    // A request is either served or refused with a clean 503: never a 500, never a hang.
    for (const o of outcomes) {
      if (!o.acknowledged) expect(o.status, report).toBe(503);
    }
    for (const probe of probes) expect(probe.status, JSON.stringify(probe)).toBe(503);
    for (const probe of probes.filter((p) => !p.what.includes('readiness'))) {
      expect(probe.retryAfter, probe.what).toBe('5');
      expect(probe.body, probe.what).toMatch(/SERVICE_UNAVAILABLE|briefly unavailable/);
    }
    expect(afterOk(), report).toBe(true);
    for (const instance of [...d.idps, ...d.portals]) expect(instance.alive(), instance.output()).toBe(true);

    // Sessions acknowledged before the outage are still there.
    for (const o of outcomes.filter((o) => o.phase === 'before' && o.acknowledged && o.browser)) {
      expect(isAccountPage(await o.browser!.get(`${d.idp.issuer}/account`))).toBe(true);
    }
    // Every acknowledged professional is there, and every professional has its invitation and mail.
    const conn = d.domain.orm.em.getConnection();
    const rows = await conn.execute<{ email: string; invitations: number; mails: number }[]>(
      `select p.email,
         (select count(*)::int from portal.invitation i where i.professional_id = p.id) as invitations,
         (select count(*)::int from portal.outbox_mail m where m."to" = p.email) as mails
       from portal.professional p where p.email like 'load-%'`,
    );
    const stored = new Map(rows.map((r) => [r.email, r]));
    for (const o of outcomes.filter((o) => o.email && o.acknowledged)) {
      expect(stored.get(o.email!), o.email).toMatchObject({ invitations: 1, mails: 1 });
    }
    for (const row of rows) expect(row, 'nothing half-written').toMatchObject({ invitations: 1, mails: 1 });
    expect(await invariantViolations(d.domain.orm)).toEqual([]);
  }, 90_000);
});

/** oidc-provider's own endpoints and the portal's, each asked once while PostgreSQL is down. */
async function probeEndpoints(d: Deployment, portalSession: string) {
  const ask = async (what: string, url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      redirect: 'manual',
      ...init,
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    const retryAfter = res.headers.get('retry-after');
    return { what, status: res.status, retryAfter, body: (await res.text()).slice(0, 5_000) };
  };
  const html = { accept: 'text/html' };
  const json = { accept: 'application/json' };
  const auth = `${d.idp.issuer}/auth?client_id=gatehouse-portal&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(portalClientUris(d.portal.url).redirectUris[0])}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
  return Promise.all([
    ask('idp authorization page', auth, { headers: html }),
    ask('idp token endpoint', `${d.idp.issuer}/token`, {
      method: 'POST',
      headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' },
      // A client this instance has not cached: looking it up needs the database.
      body: 'grant_type=client_credentials&client_id=not-cached-app&client_secret=x',
    }),
    ask('idp sign-in page', `${d.idp.issuer}/account`, { headers: html, redirect: 'follow' }),
    ask('idp readiness', `${d.idp.issuer}/readyz`),
    ask('portal home (signed in)', `${d.portal.url}/`, {
      headers: { ...html, cookie: `portal_session=${portalSession}` },
    }),
    ask('portal page as JSON', `${d.portal.url}/accounts`, {
      headers: { ...json, cookie: `portal_session=${portalSession}` },
    }),
    ask('portal readiness', `${d.portal.url}/readyz`),
  ]);
}

function failedPage(error: unknown): Page {
  return { url: '', status: 599, html: String(error), headers: new Headers(), hops: [] };
}

function pause(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

function detailOf(page: Page | 'hang', acknowledged: boolean): string | undefined {
  if (acknowledged || page === 'hang') return undefined;
  const message = textOf(page.html, 'main') ?? textOf(page.html, 'body') ?? page.html;
  return `${page.url} ${message.slice(0, 200)}`;
}
