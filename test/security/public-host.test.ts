import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { rawRequest } from '../support/raw-request.ts';

const EVIL = 'evil.example';

/**
 * Each service answers only for the host of its public URL (`IDP_ISSUER`, `PORTAL_URL`): a forged
 * `Host` must not make the IdP publish endpoints, or either service build links, at another origin.
 */
describe('each service answers only for the host of its public URL', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let clientId: string;
  let clientSecret: string;

  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    const app = await idp.registerClient({ name: 'Host App', redirectUris: ['http://127.0.0.1:9/cb'] });
    clientId = app.client_id;
    clientSecret = app.client_secret!;
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const tokenRequest = (url: string, host?: string) =>
    rawRequest(`${url}/token`, {
      method: 'POST',
      headers: { accept: 'application/json', ...(host ? { host } : {}) },
      form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    });
  const accessTokens = async () =>
    (
      await idp.running.orm.em
        .getConnection()
        .execute<{ n: number }[]>(
          `select count(*)::int as n from idp.oidc_payload where model = 'ClientCredentials'`,
        )
    )[0]!.n;

  it('a foreign Host gets 421 on discovery, a page and the token endpoint of the IdP, and nothing is issued', async () => {
    const before = await accessTokens();
    const answers = [
      await rawRequest(`${idp.issuer}/.well-known/openid-configuration`, { headers: { host: EVIL } }),
      await rawRequest(`${idp.issuer}/forgot-password`, { headers: { host: EVIL, accept: 'text/html' } }),
      await tokenRequest(idp.issuer, EVIL),
      // The right name on another port is another origin too.
      await rawRequest(`${idp.issuer}/jwks`, { headers: { host: '127.0.0.1:1' } }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(421);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(answer.body).toBe(`This service answers only for ${idp.issuer}\n`);
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
    expect(await accessTokens()).toBe(before);
    // The configured host, in any letter case: discovery names only the configured origin.
    const discovery = await rawRequest(`${idp.issuer}/.well-known/openid-configuration`, {
      headers: { host: new URL(idp.issuer).host.toUpperCase() },
    });
    expect(discovery.status).toBe(200);
    const metadata = JSON.parse(discovery.body) as Record<string, unknown>;
    expect(metadata.issuer).toBe(idp.issuer);
    const urls = Object.values(metadata).filter(
      (v): v is string => typeof v === 'string' && v.includes('://'),
    );
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) expect(url === idp.issuer || url.startsWith(`${idp.issuer}/`), url).toBe(true);
    expect((await tokenRequest(idp.issuer)).status).toBe(200);
  });

  it('a foreign Host gets 421 on the pages and forms of the portal', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/sign-in'],
      ['POST', '/sign-out'],
      ['POST', '/backchannel-logout'],
    ] as const) {
      const answer = await rawRequest(`${portal.url}${path}`, { method, headers: { host: EVIL } });
      expect(answer.status, `${method} ${path}`).toBe(421);
      expect(answer.body).toBe(`This service answers only for ${portal.url}\n`);
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
    expect((await rawRequest(`${portal.url}/`)).status).toBe(200);
  });

  it('the health checks answer on any host, for load balancers, where the pages answer 421', async () => {
    const host = 'instance-7.internal:4000';
    for (const url of [idp.issuer, portal.url]) {
      for (const path of ['/healthz', '/readyz']) {
        const answer = await rawRequest(`${url}${path}`, { headers: { host } });
        expect(answer.status, `${url}${path}`).toBe(200);
      }
      expect((await rawRequest(`${url}/`, { headers: { host } })).status).toBe(421);
    }
  });

  it('without TRUST_PROXY a forwarded host is ignored: Host alone counts, and discovery keeps the configured origin', async () => {
    const answer = await rawRequest(`${idp.issuer}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-host': EVIL },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain(EVIL);
    expect(
      (
        await rawRequest(`${portal.url}/sign-in`, {
          headers: { host: EVIL, 'x-forwarded-host': new URL(portal.url).host },
        })
      ).status,
    ).toBe(421);
  });

  it('behind a trusted proxy the forwarded host is the one checked', async () => {
    const proxied = await startTestIdp({
      DATABASE_URL: idp.databaseUrl,
      IDP_ISSUER: 'https://id.example.test',
      TRUST_PROXY: 'true',
    });
    try {
      const viaProxy = (host: string) => ({ 'x-forwarded-proto': 'https', 'x-forwarded-host': host });
      const path = `${proxied.issuer}/.well-known/openid-configuration`;
      const right = await rawRequest(path, { headers: viaProxy('id.example.test') });
      expect(right.status).toBe(200);
      expect(JSON.parse(right.body).token_endpoint).toBe('https://id.example.test/token');
      const wrong = await rawRequest(path, { headers: { ...viaProxy(EVIL), host: 'id.example.test' } });
      expect(wrong.status).toBe(421);
      expect(wrong.body).toBe('This service answers only for https://id.example.test\n');
      // No forwarded host: the proxy passed the browser's Host on, and that is checked.
      const passedOn = await rawRequest(path, {
        headers: { 'x-forwarded-proto': 'https', host: 'id.example.test' },
      });
      expect(passedOn.status).toBe(200);
      const direct = await rawRequest(path, { headers: { 'x-forwarded-proto': 'https' } });
      expect(direct.status).toBe(421);
    } finally {
      await proxied.close();
    }
  });
});
