import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Busy and total jiffies of each CPU, from `/proc/stat`; empty where there is no `/proc`. */
type CoreTimes = ReadonlyMap<string, { busy: number; total: number }>;

function readCoreTimes(): CoreTimes {
  const times = new Map<string, { busy: number; total: number }>();
  let text = '';
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return times;
  }
  for (const line of text.split('\n')) {
    const match = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const fields = match[2]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    times.set(match[1]!, { busy: total - idle, total });
  }
  return times;
}

/**
 * Start watching how busy each core is; `stop()` returns percentages per core (`cpu0: 99`). Tells
 * whether the service core was saturated, or whether the load generator's core held it back.
 */
export function watchCores(): { stop(): Record<string, number> } {
  const before = readCoreTimes();
  return {
    stop() {
      const after = readCoreTimes();
      const usage: Record<string, number> = {};
      for (const [core, end] of after) {
        const start = before.get(core);
        if (!start || end.total === start.total) continue;
        usage[core] = Math.round((100 * (end.busy - start.busy)) / (end.total - start.total));
      }
      return usage;
    },
  };
}

// Linux reports process times in clock ticks of 1/100 s on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, every thread) a process has used so far; NaN where there is no `/proc`. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces: state is field 3, utime 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * Start watching one process; `stop()` returns the share of one core it used meanwhile (1 = a
 * whole core). On a machine shared with other work, a service below 1 was not given its core.
 */
export function watchProcess(pid: number): { stop(): number } {
  const cpuBefore = processCpuSeconds(pid);
  const wallBefore = performance.now();
  return {
    stop: () => (processCpuSeconds(pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000),
  };
}

/** What a Node.js thread does, from its name in `/proc/PID/task/TID/comm`. */
function threadGroup(name: string): string {
  if (name === 'MainThread' || name === 'node') return 'main thread';
  if (name.startsWith('libuv-worker')) return 'thread pool (argon2)';
  if (name.startsWith('V8') || name.startsWith('DelayedTask')) return 'V8 helpers (GC, compiler)';
  return 'other';
}

function threadCpuSeconds(pid: number): Map<string, number> {
  const groups = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return groups;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      const group = threadGroup(name);
      groups.set(group, (groups.get(group) ?? 0) + seconds);
    } catch {
      // A thread that ended meanwhile: its time is gone from the process's tasks.
    }
  }
  return groups;
}

/**
 * Start watching one process's threads; `stop()` returns the CPU seconds each kind of thread used
 * meanwhile. Shows where a sign-in's time goes: the hash (libuv's pool), JavaScript and I/O (the
 * main thread), or garbage collection and compilation (V8's helpers).
 */
export function watchThreads(pid: number): { stop(): Record<string, number> } {
  const before = threadCpuSeconds(pid);
  return {
    stop() {
      const after = threadCpuSeconds(pid);
      const used: Record<string, number> = {};
      for (const [group, seconds] of after) {
        const delta = seconds - (before.get(group) ?? 0);
        if (delta > 0) used[group] = delta;
      }
      return used;
    },
  };
}
