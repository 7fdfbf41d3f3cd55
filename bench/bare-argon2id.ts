import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CpuPinning } from './cpu-pinning.ts';
import type { LoadPlan, Measurement } from './load-runner.ts';

// The worker verifies as many passwords at once as the IdP does (`HASHES_IN_FLIGHT`, which
// depends on the cores the pinned process may use, so the worker imports it itself).
const WORKER = fileURLToPath(new URL('./bare-argon2id-worker.ts', import.meta.url));

/**
 * The bare argon2id verify rate on the service core, with the IdP's own parameters and function:
 * the physical limit of password sign-ins there. Measured in a child process pinned like the IdP,
 * while the IdP is idle.
 */
export function measureBareArgon2id(
  plan: LoadPlan,
  pinning: CpuPinning,
): Promise<Measurement & { peakMb: number }> {
  const [command, ...args] = [...pinning.serviceCore, process.execPath, WORKER, JSON.stringify(plan)];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Measurement & { peakMb: number });
      else reject(new Error(`the bare argon2id measurement failed (${code}):\n${err}`));
    });
  });
}
