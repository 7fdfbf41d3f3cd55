import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../adapters/db/database.ts';
import { portalClientUris } from '../config/portal-client-uris.ts';
import { registerClient } from '../idp/clients/clients.ts';
import { idpSchema } from '../idp/schema.ts';
import { createOidcAdapter } from '../idp/storage/oidc-adapter.ts';
import type { CpuPinning } from './cpu-pinning.ts';
import { keepOutput, stopChild, waitUntilReady } from './idp-process.ts';

/** The portal under test: its own process, as `npm run start:portal` runs it. */
export interface PortalProcess {
  readonly origin: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface PortalProcessOptions {
  readonly databaseUrl: string;
  readonly smtpUrl: string;
  readonly pinning: CpuPinning;
  /** `IDP_ISSUER`: the https address of the bench's TLS proxy in front of the IdP. */
  readonly idpIssuer: string;
  /** Its CA certificate (self-signed), which the portal is told to trust. */
  readonly issuerCertificateFile: string;
  readonly port: number;
  readonly clientSecret: string;
  readonly nodeFlags?: readonly string[];
}

const MAIN = fileURLToPath(new URL('../portal/main.ts', import.meta.url));
export const PORTAL_CLIENT_ID = 'gatehouse-portal';

/** The portal's public https URL (`PORTAL_URL`); the load generator reaches it over plain HTTP. */
export const portalUrl = (port: number) => `https://127.0.0.1:${port}`;

/**
 * Register the portal at the IdP as `npm start` does (first party, its exact callback), with a
 * fresh secret; before the IdP starts, so no instance has an older copy of the client.
 */
export async function registerBenchPortal(databaseUrl: string, portalPort: number): Promise<string> {
  const orm = await openDatabase(idpSchema, { url: databaseUrl, poolMax: 2 });
  try {
    const clientSecret = randomBytes(32).toString('base64url');
    await registerClient(createOidcAdapter(orm), {
      name: 'CustomerSource',
      clientId: PORTAL_CLIENT_ID,
      clientSecret,
      ...portalClientUris(portalUrl(portalPort)),
      firstParty: true,
    });
    return clientSecret;
  } finally {
    await orm.close(true);
  }
}

/** A TLS-terminating proxy in front of the IdP, as production has; the portal reaches the IdP here. */
export interface IssuerProxy {
  readonly port: number;
  readonly certificateFile: string;
  stop(): Promise<void>;
}

/**
 * Listen on `port` with a throwaway self-signed certificate for 127.0.0.1 (made with `openssl`)
 * and forward every request to the IdP at `idpOrigin`, saying `X-Forwarded-Proto: https`. Only
 * the portal's sign-in traffic (discovery, keys, token endpoint) goes through it.
 */
export async function startIssuerProxy(port: number, idpOrigin: () => string): Promise<IssuerProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const target = new URL(idpOrigin());
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-proto': 'https' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    port,
    certificateFile: cert,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Start `portal/main.ts` as production runs it, on the service core, and wait until it answers. */
export async function startPortalProcess(options: PortalProcessOptions): Promise<PortalProcess> {
  const [command, ...args] = [
    ...options.pinning.serviceCore,
    process.execPath,
    ...(options.nodeFlags ?? []),
    MAIN,
  ];
  const child = spawn(command!, args, {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: options.databaseUrl,
      SMTP_URL: options.smtpUrl,
      PORTAL_PORT: String(options.port),
      PORTAL_URL: portalUrl(options.port),
      IDP_ISSUER: options.idpIssuer,
      PORTAL_CLIENT_ID,
      PORTAL_CLIENT_SECRET: options.clientSecret,
      TRUST_PROXY: 'true',
      COOKIE_SECRETS: randomBytes(32).toString('base64url'),
      METRICS_TOKEN: randomBytes(32).toString('base64url'),
      NODE_EXTRA_CA_CERTS: options.issuerCertificateFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepOutput(child);
  const origin = `http://127.0.0.1:${options.port}`;
  await waitUntilReady('the portal', `${origin}/`, child, output);
  return { origin, pid: child.pid!, stop: () => stopChild(child) };
}
