import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { TEST_REDIRECT_URI } from '../support/oidc-client.ts';
import { startTestPortal } from '../support/portal-instance.ts';
import { parsedSetCookies } from '../support/set-cookie.ts';

const HTTPS = { 'x-forwarded-proto': 'https' };

/** A service listening on plain HTTP on `port` whose public URL is `https://127.0.0.1:<port>`. */
interface Service {
  readonly port: number;
  readonly publicUrl: string;
  close(): Promise<void>;
}

describe('behind a TLS-terminating proxy (TRUST_PROXY)', () => {
  let idp: TestIdp;
  let clientId: string;
  const proxied: { idp?: Service; portal?: Service } = {};
  const direct: { idp?: Service; portal?: Service } = {};

  const startIdp = async (trustProxy: boolean): Promise<Service> => {
    const port = await freePort();
    const publicUrl = `https://127.0.0.1:${port}`;
    const env = { DATABASE_URL: idp.databaseUrl, IDP_PORT: String(port), IDP_ISSUER: publicUrl };
    const started = await startTestIdp({ ...env, TRUST_PROXY: String(trustProxy) });
    return { port, publicUrl, close: started.close };
  };
  const startPortal = async (trustProxy: boolean): Promise<Service> => {
    const port = await freePort();
    const publicUrl = `https://127.0.0.1:${port}`;
    const env = { PORTAL_PORT: String(port), PORTAL_URL: publicUrl, TRUST_PROXY: String(trustProxy) };
    const started = await startTestPortal(idp, env, {
      clientId: `portal-${trustProxy ? 'proxied' : 'direct'}`,
    });
    return { port, publicUrl, close: started.close };
  };
  const request = (service: Service | undefined, path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${service!.port}${path}`, { headers, redirect: 'manual' });
  const authorize = (service: Service | undefined, headers: Record<string, string>) =>
    request(
      service,
      `/auth?${new URLSearchParams({
        client_id: clientId,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: TEST_REDIRECT_URI,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })}`,
      headers,
    );

  beforeAll(async () => {
    idp = await startTestIdp();
    clientId = (await idp.registerClient({ name: 'Proxy App', redirectUris: [TEST_REDIRECT_URI] })).client_id;
    proxied.idp = await startIdp(true);
    direct.idp = await startIdp(false);
    proxied.portal = await startPortal(true);
    direct.portal = await startPortal(false);
  });
  afterAll(async () => {
    for (const service of [proxied.portal, direct.portal, proxied.idp, direct.idp]) await service?.close();
    await idp?.close();
  });

  it('with TRUST_PROXY, the IdP publishes https endpoints and sets Secure cookies on an https request', async () => {
    const discovery = (await (
      await request(proxied.idp, '/.well-known/openid-configuration', HTTPS)
    ).json()) as Record<string, unknown>;
    const endpoints = Object.entries(discovery).filter(([name]) => /_endpoint$|^jwks_uri$/.test(name));
    expect(endpoints.length).toBeGreaterThan(4);
    for (const [name, url] of endpoints) expect(url, name).toMatch(new RegExp(`^${proxied.idp!.publicUrl}/`));
    const started = await authorize(proxied.idp, HTTPS);
    expect(started.status).toBe(303);
    expect(new URL(started.headers.get('location')!, proxied.idp!.publicUrl).protocol).toBe('https:');
    const cookies = parsedSetCookies(started.headers.getSetCookie());
    expect(cookies.some((cookie) => cookie.key === '_interaction')).toBe(true);
    for (const cookie of cookies) expect(cookie.secure, cookie.key).toBe(true);
  });

  it('with TRUST_PROXY, the portal sets Secure __Host- cookies and sends its https callback URL to the IdP', async () => {
    const signIn = await request(proxied.portal, '/sign-in', HTTPS);
    expect(signIn.status).toBe(303);
    const authorization = new URL(signIn.headers.get('location')!);
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${proxied.portal!.publicUrl}/auth/callback`);
    const cookies = parsedSetCookies(signIn.headers.getSetCookie());
    expect(cookies.map((cookie) => cookie.key).sort()).toEqual([
      '__Host-portal_csrf',
      '__Host-portal_session',
    ]);
    for (const cookie of cookies) expect(cookie.secure, cookie.key).toBe(true);
  });

  it('a request the proxy says came over plain HTTP is refused, with where to go instead', async () => {
    for (const service of [proxied.portal, proxied.idp]) {
      const page = await request(service, '/', { 'x-forwarded-proto': 'http' });
      expect(page.status).toBe(403);
      expect(await page.text()).toBe(`This service is only available over HTTPS: ${service!.publicUrl}\n`);
      expect(page.headers.getSetCookie()).toEqual([]);
    }
  });

  it('without TRUST_PROXY, X-Forwarded-* headers are ignored: the request is the plain HTTP it is', async () => {
    const forged = { ...HTTPS, 'x-forwarded-host': 'evil.example' };
    const responses = [
      await request(direct.idp, '/.well-known/openid-configuration', forged),
      await authorize(direct.idp, forged),
      await request(direct.portal, '/sign-in', forged),
    ];
    for (const response of responses) {
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(
        /^This service is only available over HTTPS: https:\/\/127\.0\.0\.1:/,
      );
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it('health checks and metrics stay reachable over plain HTTP, for load balancers and scrapers', async () => {
    for (const service of [direct.idp, direct.portal]) {
      expect((await request(service, '/healthz')).status).toBe(200);
      expect((await request(service, '/readyz')).status).toBe(200);
      expect((await request(service, '/metrics')).status).toBe(200);
    }
  });
});
