import { performance } from 'node:perf_hooks';
import { watchCores, watchProcess, watchThreads } from './core-usage.ts';
import type { DatabaseCounters } from './database-probe.ts';
import { median, percentile } from './statistics.ts';

/** One step a virtual user repeats: a request, or a whole sign-in. Throws when the answer is wrong. */
export type Iteration = () => Promise<void>;

/** What one scenario measured over its repetitions. */
export interface Measurement {
  /** Completed iterations per second, one figure per repetition. */
  readonly rates: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Latency of one iteration, over every repetition, in milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Busy percentage of each core during the repetitions (median): was the service core saturated? */
  readonly cores: Record<string, number>;
  /** Share of one core the service process used while measured (median; 1 = the whole core). */
  readonly serviceCpu: number;
  /** `median / serviceCpu`: the rate per CPU-second the service actually got. */
  readonly perCoreSecond: number;
  /** Database counters per completed iteration over the repetitions (`transactions` ≈ round trips). */
  readonly database?: DatabaseCounters;
  /** The service's CPU milliseconds per completed iteration, by kind of thread (where `/proc` exists). */
  readonly threadCpuMs?: Record<string, number>;
}

export interface LoadPlan {
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly repetitions: number;
}

// A scenario whose iterations fail is broken, not slow: stop rather than print a wrong figure.
const MAX_ERROR_SHARE = 0.01;

/**
 * Run every virtual user's iteration in a closed loop: unmeasured warm-up, then `repetitions`
 * windows of `durationSeconds`. Only iterations that finish inside a window count; the ones still
 * in flight at its end finish before the next window opens, uncounted.
 */
export async function measure(
  users: readonly Iteration[],
  plan: LoadPlan,
  servicePid: number,
  databaseCounters?: () => Promise<DatabaseCounters>,
): Promise<Measurement> {
  if (plan.warmupSeconds > 0) await runWindow(users, plan.warmupSeconds, servicePid);
  const windows: Window[] = [];
  const before = await databaseCounters?.();
  const threads = watchThreads(servicePid);
  for (let i = 0; i < plan.repetitions; i++)
    windows.push(await runWindow(users, plan.durationSeconds, servicePid));
  // Includes the iterations in flight between windows: a little high, never low.
  const threadSeconds = threads.stop();
  const after = await databaseCounters?.();
  const completed = windows.reduce((n, w) => n + w.completed, 0);
  const rates = windows.map((w) => w.completed / plan.durationSeconds);
  const latencies = windows.flatMap((w) => w.latencies).sort((a, b) => a - b);
  const coreNames = Object.keys(windows[0]?.cores ?? {});
  const serviceCpu = median(windows.map((w) => w.serviceCpu));
  return {
    rates,
    median: median(rates),
    serviceCpu,
    perCoreSecond: median(rates) / serviceCpu,
    min: Math.min(...rates),
    max: Math.max(...rates),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors: windows.reduce((n, w) => n + w.errors, 0),
    cores: Object.fromEntries(coreNames.map((c) => [c, median(windows.map((w) => w.cores[c] ?? 0))])),
    ...(before && after ? { database: perIteration(before, after, completed) } : {}),
    ...(Object.keys(threadSeconds).length && completed
      ? { threadCpuMs: perIteration({}, scaled(threadSeconds, 1000), completed) }
      : {}),
  };
}

interface Window {
  completed: number;
  errors: number;
  latencies: number[];
  cores: Record<string, number>;
  serviceCpu: number;
}

async function runWindow(users: readonly Iteration[], seconds: number, servicePid: number): Promise<Window> {
  const window: Window = { completed: 0, errors: 0, latencies: [], cores: {}, serviceCpu: Number.NaN };
  const cores = watchCores();
  const service = watchProcess(servicePid);
  const end = performance.now() + seconds * 1000;
  let firstError: unknown;
  await Promise.all(
    users.map(async (iteration) => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          await iteration();
        } catch (error) {
          window.errors += 1;
          firstError ??= error;
          continue;
        }
        const done = performance.now();
        if (done > end) break;
        window.completed += 1;
        window.latencies.push(done - start);
      }
    }),
  );
  window.cores = cores.stop();
  window.serviceCpu = service.stop();
  if (window.errors > 0 && window.errors > MAX_ERROR_SHARE * (window.completed + window.errors))
    throw new Error(`${window.errors} of ${window.completed + window.errors} iterations failed`, {
      cause: firstError,
    });
  return window;
}

function scaled(values: Record<string, number>, factor: number): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value * factor]));
}

function perIteration(
  before: DatabaseCounters,
  after: DatabaseCounters,
  iterations: number,
): DatabaseCounters {
  const result: DatabaseCounters = {};
  for (const [name, value] of Object.entries(after)) {
    const delta = Math.round((100 * (value - (before[name] ?? 0))) / iterations) / 100;
    if (delta > 0) result[name] = delta;
  }
  return result;
}
