import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Which cores the bench gives to whom: the service under test alone on core 0, the load generator
 * (and the embedded PostgreSQL it starts, which inherits its affinity) on core 1. Without
 * `taskset` or with a single core nothing is pinned, and the report says so.
 */
export interface CpuPinning {
  readonly pinned: boolean;
  /** Why nothing is pinned, for the report. */
  readonly note: string;
  /** The command prefix that runs a program on the service core: `['taskset', '-c', '0']` or `[]`. */
  readonly serviceCore: readonly string[];
}

export const SERVICE_CORE = 0;
export const LOAD_CORE = 1;

/** Pin this process (every thread) to the load core, and say how services will be pinned. */
export function pinLoadGenerator(): CpuPinning {
  if (availableParallelism() < 2) return unpinned('only one CPU: the IdP and the load generator share it');
  if (spawnSync('taskset', ['--version']).error)
    return unpinned('taskset not found (util-linux): nothing pinned');
  const self = spawnSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)]);
  if (self.status !== 0) return unpinned(`taskset failed: ${self.stderr.toString().trim()}`);
  return {
    pinned: true,
    note: `IdP, bare oidc-provider and portal pinned to core ${SERVICE_CORE} (one at a time); load generator and embedded PostgreSQL to core ${LOAD_CORE}`,
    serviceCore: ['taskset', '-c', String(SERVICE_CORE)],
  };
}

function unpinned(note: string): CpuPinning {
  return { pinned: false, note, serviceCore: [] };
}
