import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../adapters/db/embedded-postgres.ts';
import type { CpuPinning } from './cpu-pinning.ts';

/** The IdP under test: its own process, as `npm run start:idp` runs it. */
export interface IdpProcess {
  /** Where the load generator connects (plain HTTP on loopback). */
  readonly origin: string;
  /** The host of its https issuer, which the load generator forwards as the TLS proxy would. */
  readonly publicHost: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface IdpProcessOptions {
  readonly databaseUrl: string;
  readonly smtpUrl: string;
  readonly pinning: CpuPinning;
  readonly profileDir?: string;
  readonly nodeFlags?: readonly string[];
  /**
   * The port of the https issuer (`IDP_ISSUER`), when it differs from the one the IdP listens on:
   * the bench's TLS-terminating proxy, through which the portal talks to the IdP.
   */
  readonly issuerPort?: number;
}

const MAIN = fileURLToPath(new URL('../idp/main.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/**
 * Start `idp/main.ts` as production runs it (NODE_ENV=production, https issuer behind a trusted
 * TLS-terminating proxy, secure cookies) on the service core, and wait until it answers discovery.
 */
export async function startIdpProcess(options: IdpProcessOptions): Promise<IdpProcess> {
  const port = await freePort();
  const publicHost = `127.0.0.1:${options.issuerPort ?? port}`;
  const node = [
    process.execPath,
    ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
    ...(options.nodeFlags ?? []),
  ];
  const [command, ...args] = [...options.pinning.serviceCore, ...node, MAIN];
  const child = spawn(command!, args, {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: options.databaseUrl,
      SMTP_URL: options.smtpUrl,
      IDP_PORT: String(port),
      IDP_ISSUER: `https://${publicHost}`,
      // Unused by the IdP, but production settings require every public URL to be https.
      PORTAL_URL: 'https://portal.bench.invalid',
      TRUST_PROXY: 'true',
      COOKIE_SECRETS: randomBytes(32).toString('base64url'),
      METRICS_TOKEN: randomBytes(32).toString('base64url'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const origin = `http://127.0.0.1:${port}`;
  const discovery = `${origin}/.well-known/openid-configuration`;
  await waitUntilReady('the IdP', discovery, child, keepOutput(child), publicHost);
  return { origin, publicHost, pid: child.pid!, stop: () => stopChild(child) };
}

/** Only the last lines are kept, for a failure message: the services log a line per request. */
export function keepOutput(child: ChildProcess): string[] {
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return output;
}

/**
 * Wait until `url` answers 2xx (said to arrive over https for `publicHost`), or fail with the
 * child's last output.
 */
export async function waitUntilReady(
  name: string,
  url: string,
  child: ChildProcess,
  output: string[],
  publicHost = new URL(url).host,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output.join('')}`);
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': publicHost };
    const ok = await fetch(url, { headers }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${output.join('')}`);
}

// SIGTERM lets the service close its pools (and write its CPU profile); SIGKILL if it hangs.
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Resident memory of a process now and at its peak, in MB, from `/proc/PID/status`. */
export function residentMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}
