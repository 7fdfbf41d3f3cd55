import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Database, openDatabase } from '../../adapters/db/database.ts';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { loadConfig } from '../../config/config.ts';
import { idpSchema } from '../../idp/schema.ts';
import { type PortalDomain, portalDomain } from '../../portal/domain.ts';
import { portalSchema } from '../../portal/schema.ts';
import { registerPortalClient } from '../../system/register-portal-client.ts';
import type { TestIdp } from './idp-instance.ts';
import type { TestPortal } from './portal-instance.ts';
import { type SmtpCapture, startSmtpCapture } from './smtp-capture.ts';

/** One service instance in its own process, as `npm run start:idp` / `start:portal` runs it. */
export interface ServiceProcess {
  /** Its own origin, `http://127.0.0.1:PORT` (the public URL is the balancer's). */
  readonly origin: string;
  readonly pid: number;
  /** Everything it printed so far, for failure messages. */
  output(): string;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGKILL, as a crash or an OOM killer would: no draining, nothing closed. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit (SIGKILL after `timeoutMs`); resolves to the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

const ENTRY = {
  idp: fileURLToPath(new URL('../../idp/main.ts', import.meta.url)),
  portal: fileURLToPath(new URL('../../portal/main.ts', import.meta.url)),
} as const;
const READY_TIMEOUT_MS = 30_000;

/**
 * Start `idp/main.ts` or `portal/main.ts` with `env` (its port is chosen here: `IDP_PORT` or
 * `PORTAL_PORT`), and wait until its `/readyz` answers 200.
 *
 * @example
 *   const idp = await startServiceProcess('idp', { DATABASE_URL, SMTP_URL, IDP_ISSUER: lb.url });
 */
export async function startServiceProcess(
  service: keyof typeof ENTRY,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [ENTRY[service]], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ...env,
      [service === 'idp' ? 'IDP_PORT' : 'PORTAL_PORT']: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  const keep = (chunk: Buffer) => {
    // Bounded: a chatty process must not grow the test's memory without end.
    if (chunks.length < 5_000) chunks.push(chunk.toString());
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const origin = `http://127.0.0.1:${port}`;
  const output = () => `${service} ${origin} (pid ${child.pid}):\n${chunks.join('')}`;
  await waitUntilReady(origin, child, output);
  return {
    origin,
    pid: child.pid!,
    output,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    stop: (timeoutMs = 15_000) => stopChild(child, timeoutMs),
  };
}

async function waitUntilReady(origin: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before ready\n${output()}`);
    const ready = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`not ready within ${READY_TIMEOUT_MS / 1000} s\n${output()}`);
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

/** A tiny loopback load balancer: one public URL, requests sent to the upstreams in turn. */
export interface RoundRobin {
  /** `http://127.0.0.1:PORT`: the services' public URL (`IDP_ISSUER`, `PORTAL_URL`). */
  readonly url: string;
  readonly port: number;
  /** The instances behind it, in turn order. */
  setUpstreams(origins: readonly string[]): void;
  /** Which upstream served each request so far, oldest first. */
  readonly served: string[];
  close(): Promise<void>;
}

/**
 * Round-robin over the upstreams, one request each in turn, as a load balancer without sticky
 * sessions would. An upstream that refuses the connection (killed) is skipped and the request
 * goes to the next one, as a balancer's passive health check does: the request never reached it.
 */
export async function startRoundRobin(): Promise<RoundRobin> {
  let upstreams: readonly string[] = [];
  let turn = 0;
  const served: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = Buffer.concat(await req.toArray());
    for (let tried = 0; tried < Math.max(1, upstreams.length); tried++) {
      const upstream = upstreams[turn++ % upstreams.length];
      if (!upstream) break;
      try {
        const answer = await forward(upstream, req, body);
        served.push(upstream);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'ECONNREFUSED') {
          res.writeHead(502).end(String(error));
          return;
        }
      }
    }
    res.writeHead(502).end('no upstream');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    served,
    setUpstreams: (origins) => {
      upstreams = [...origins];
    },
    close: async () => {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function forward(upstream: string, req: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
  const target = new URL(upstream);
  return new Promise((ok, fail) => {
    const out = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        // The Host header stays the public one, as behind any reverse proxy.
        headers: { ...req.headers, connection: 'close' },
        agent: false,
        timeout: 30_000,
      },
      ok,
    );
    out.on('error', fail);
    out.on('timeout', () => out.destroy(new Error('upstream timed out')));
    out.end(body);
  });
}

/** Two services behind their balancers on one database, and the test's own handles on it. */
export interface Deployment {
  readonly databaseUrl: string;
  readonly smtp: SmtpCapture;
  /** The IdP's public URL is `idpBalancer.url`; the portal's `portalBalancer.url`. */
  readonly idpBalancer: RoundRobin;
  readonly portalBalancer: RoundRobin;
  readonly idps: ServiceProcess[];
  readonly portals: ServiceProcess[];
  /** The IdP's and the portal's schema, for setup (as the CLI would) and for checking rows. */
  readonly idpOrm: Database;
  readonly domain: PortalDomain;
  /** The deployment in the shape the journey helpers take (`test/support/portal-people.ts`). */
  readonly idp: TestIdp;
  readonly portal: TestPortal;
  /** Start one more instance behind its balancer (and put it in turn). */
  addInstance(service: 'idp' | 'portal'): Promise<ServiceProcess>;
  close(): Promise<void>;
}

/**
 * `idps` IdP and `portals` portal processes on `databaseUrl`, each service behind its round-robin
 * balancer, sharing one SMTP capture; the portal's client registered at the IdP as an operator
 * would (`npm run cli -- client add --first-party`), its secret passed as `PORTAL_CLIENT_SECRET`.
 */
export async function startDeployment(options: {
  databaseUrl: string;
  idps: number;
  portals: number;
  env?: Record<string, string>;
}): Promise<Deployment> {
  const [smtp, idpBalancer, portalBalancer] = await Promise.all([
    startSmtpCapture(),
    startRoundRobin(),
    startRoundRobin(),
  ]);
  const idpOrm = await openDatabase(idpSchema, { url: options.databaseUrl, poolMax: 2 });
  const portalOrm = await openDatabase(portalSchema, { url: options.databaseUrl, poolMax: 2 });
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    DATABASE_POOL_MAX: '4',
    SMTP_URL: smtp.url,
    IDP_ISSUER: idpBalancer.url,
    PORTAL_URL: portalBalancer.url,
    ...options.env,
  };
  env.PORTAL_CLIENT_SECRET = await registerPortalClient(idpOrm, loadConfig({ NODE_ENV: 'test', ...env }));
  const domain = await portalDomain(loadConfig({ NODE_ENV: 'test', ...env }), portalOrm);
  const idps: ServiceProcess[] = [];
  const portals: ServiceProcess[] = [];
  const addInstance = async (service: 'idp' | 'portal') => {
    const started = await startServiceProcess(service, env);
    const [list, balancer] = service === 'idp' ? [idps, idpBalancer] : [portals, portalBalancer];
    list.push(started);
    balancer.setUpstreams(list.map((p) => p.origin));
    return started;
  };
  const close = async () => {
    await Promise.all([...idps, ...portals].map((p) => p.stop()));
    await Promise.all([idpBalancer.close(), portalBalancer.close(), smtp.stop()]);
    await Promise.all([idpOrm.close(true), portalOrm.close(true)]);
  };
  try {
    // The first instance of each applies any pending migration; the others find none to apply.
    for (let i = 0; i < Math.max(options.idps, options.portals); i++) {
      await Promise.all([
        i < options.idps ? addInstance('idp') : undefined,
        i < options.portals ? addInstance('portal') : undefined,
      ]);
    }
  } catch (error) {
    await close();
    throw error;
  }
  const idp = { issuer: idpBalancer.url, databaseUrl: options.databaseUrl, smtp } as unknown as TestIdp;
  const portal = { url: portalBalancer.url, domain } as unknown as TestPortal;
  return {
    databaseUrl: options.databaseUrl,
    smtp,
    idpBalancer,
    portalBalancer,
    idps,
    portals,
    idpOrm,
    domain,
    idp,
    portal,
    addInstance,
    close,
  };
}
