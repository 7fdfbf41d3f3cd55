// Run by bare-argon2id.ts in its own process on the service core: the IdP's own `verifyPassword`
// in a closed loop, as many in flight as the IdP lets run at once (`HASHES_IN_FLIGHT`, one per core
// the process may use: computed here, under the same pinning as the IdP).
import { readFileSync } from 'node:fs';
import { HASHES_IN_FLIGHT, hashPassword, verifyPassword } from '../idp/accounts/password.ts';
import { type LoadPlan, measure } from './load-runner.ts';

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
const password = 'correct horse battery staple 42';
const hashed = await hashPassword(password);
const verifyOnce = async () => {
  if (!(await verifyPassword(hashed, password))) throw new Error('verifyPassword refused the right password');
};
const measurement = await measure(
  Array.from({ length: HASHES_IN_FLIGHT }, () => verifyOnce),
  plan,
  process.pid,
);
// Peak resident memory: what argon2's 19 MiB per hash in flight costs a process on its own.
const peakMb = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
process.stdout.write(JSON.stringify({ ...measurement, peakMb }));
