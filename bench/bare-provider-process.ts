import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../adapters/db/embedded-postgres.ts';
import type { CpuPinning } from './cpu-pinning.ts';
import { type IdpProcess, keepOutput, stopChild, waitUntilReady } from './idp-process.ts';
import type { BenchAccount, BenchClient } from './seed.ts';

/** What the bare provider is started with (as JSON, its one argument). */
export interface BareProviderInput {
  readonly port: number;
  /** The host of its https issuer, forwarded by the load generator as for the IdP. */
  readonly publicHost: string;
  readonly accounts: readonly BenchAccount[];
  /** The bench's app, with the same id and secret as at the IdP. */
  readonly client: BenchClient;
}

const MAIN = fileURLToPath(new URL('./bare-oidc-provider.ts', import.meta.url));

/**
 * The bare provider keeps every token it issues in its heap (a client-credentials run alone
 * issues hundreds of thousands): the IdP's old-space cap would end it, and a cap that made it
 * collect garbage harder would lower the ceiling it stands for.
 */
const BARE_OLD_SPACE = '--max-old-space-size=2048';

/**
 * Start bare oidc-provider (bare-oidc-provider.ts) on the service core, with the IdP's Node.js
 * flags but a larger old space, `NODE_ENV=production` and an https issuer behind the load
 * generator's forwarded headers, like the IdP; wait until it answers discovery.
 */
export async function startBareProvider(options: {
  readonly pinning: CpuPinning;
  readonly nodeFlags: readonly string[];
  readonly accounts: readonly BenchAccount[];
  readonly client: BenchClient;
}): Promise<IdpProcess> {
  const port = await freePort();
  const publicHost = `127.0.0.1:${port}`;
  const input: BareProviderInput = { port, publicHost, accounts: options.accounts, client: options.client };
  const [command, ...args] = [
    ...options.pinning.serviceCore,
    process.execPath,
    ...options.nodeFlags,
    BARE_OLD_SPACE,
    MAIN,
    JSON.stringify(input),
  ];
  const child = spawn(command!, args, {
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const origin = `http://127.0.0.1:${port}`;
  const output = keepOutput(child);
  await waitUntilReady(
    'bare oidc-provider',
    `${origin}/.well-known/openid-configuration`,
    child,
    output,
    publicHost,
  );
  return { origin, publicHost, pid: child.pid!, stop: () => stopChild(child) };
}
