import { pollLoop } from './poll-loop.ts';

/**
 * A piece of scheduled work kept as rows: each pass takes what is due (`FOR UPDATE SKIP LOCKED`,
 * or a conditional `UPDATE … WHERE <still due> RETURNING`), does it in the same transaction, and
 * says how many rows it handled. Any number of instances may run the same task at once: a row is
 * handled by one of them, and what a failed pass left stays due for the next.
 */
export interface PeriodicTask {
  /** For the logs, e.g. `access-requests.expire`. */
  readonly name: string;
  /** Pause between passes when the last one found less than a full batch. */
  readonly everyMs: number;
  /** Rows one pass handles at most; a full pass runs again at once. */
  readonly batchSize: number;
  /** One pass, at `now`; resolves to the rows handled. */
  run(now: Date): Promise<number>;
}

export interface PeriodicWorkLogger {
  warn(fields: object, message: string): void;
}

/** The running passes of a service's periodic tasks. */
export interface PeriodicWork {
  stop(): Promise<void>;
}

/**
 * Run each task now and then every `everyMs` until stopped; a pass that throws is logged and tried
 * again on the next one.
 *
 * @example
 *   const work = startPeriodicWork([{ name: 'sessions.expire', everyMs: 600_000, batchSize: 1000,
 *     run: (now) => sessions.deleteExpired(now) }], logger);
 *   // on shutdown:
 *   await work.stop();
 */
export function startPeriodicWork(tasks: readonly PeriodicTask[], logger: PeriodicWorkLogger): PeriodicWork {
  const loops = tasks.map((task) =>
    pollLoop(() => task.run(new Date()), {
      batchSize: task.batchSize,
      pollMs: task.everyMs,
      onError: (err) => logger.warn({ err, task: task.name }, 'a pass of periodic work failed'),
    }),
  );
  for (const loop of loops) loop.start();
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
