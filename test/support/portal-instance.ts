import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { createLogger, type Logger } from '../../adapters/log/logger.ts';
import { loadConfig } from '../../config/config.ts';
import { portalClientUris } from '../../config/portal-client-uris.ts';
import type { PortalDomain } from '../../portal/domain.ts';
import { type RunningPortal, startPortalService } from '../../portal/service.ts';
import type { TestIdp } from './idp-instance.ts';

export interface TestPortal {
  readonly url: string;
  readonly running: RunningPortal;
  readonly domain: PortalDomain;
  close(): Promise<void>;
}

/**
 * A real portal for one test file, on the test IdP's database and SMTP capture, registered at
 * that IdP as the first-party client `gatehouse-portal` (exact redirect, post-logout and
 * back-channel logout URIs), on a free loopback port. `logger` reads its log lines (silent by default); `port` starts it again where an earlier one ran.
 */
export async function startTestPortal(
  idp: TestIdp,
  env: Record<string, string> = {},
  options: { clientId?: string; secondOptionLabel?: string; logger?: Logger; port?: number } = {},
): Promise<TestPortal> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const clientId = options.clientId ?? 'gatehouse-portal';
  const client = await idp.registerClient({
    name: 'CustomerSource',
    clientId,
    ...portalClientUris(url),
    firstParty: true,
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: idp.databaseUrl,
    DATABASE_POOL_MAX: '5',
    SMTP_URL: idp.smtp.url,
    PORTAL_PORT: String(port),
    PORTAL_URL: url,
    IDP_ISSUER: idp.issuer,
    PORTAL_CLIENT_ID: clientId,
    PORTAL_CLIENT_SECRET: client.client_secret,
    ...(options.secondOptionLabel
      ? { SIGN_IN_OPTIONS: twoOptions(idp.issuer, clientId, client.client_secret, options.secondOptionLabel) }
      : {}),
    ...env,
  });
  const running = await startPortalService(config, options.logger ?? createLogger('silent', 'test-portal'), {
    mailPollMs: 50,
  });
  return { url, running, domain: running.portal.domain, close: () => running.close() };
}

/** The built-in IdP listed twice under two labels: enough for the portal not to know which to use. */
function twoOptions(issuer: string, clientId: string, clientSecret: string, secondLabel: string): string {
  return JSON.stringify([
    { id: 'dynamics', label: 'Microsoft Dynamics Customers and Partners', issuer, clientId, clientSecret },
    { id: 'second', label: secondLabel, issuer, clientId, clientSecret },
  ]);
}
