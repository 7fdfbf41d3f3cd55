/** Log sink for a pass that threw. */
type OnPassError = (error: unknown) => void;

/**
 * Run `pass` now and then again until stopped: at once while it reports a full batch (a backlog
 * is waiting), otherwise after `pollMs`. A pass that throws is reported and retried on the next
 * poll: the work it could not do is still waiting in the database.
 */
export function pollLoop(
  pass: () => Promise<number>,
  options: { readonly batchSize: number; readonly pollMs: number; readonly onError: OnPassError },
): { start(): void; stop(): Promise<void> } {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const tick = async (): Promise<void> => {
    let done = 0;
    try {
      done = await pass();
    } catch (error) {
      options.onError(error);
    }
    if (running) schedule(done >= options.batchSize ? 0 : options.pollMs);
  };
  const schedule = (delayMs: number): void => {
    timer = setTimeout(() => {
      current = tick();
    }, delayMs);
    // A forgotten dispatcher must not keep a process (or a test run) alive.
    timer.unref();
  };

  return {
    start: () => {
      if (running) return;
      running = true;
      schedule(0);
    },
    stop: async () => {
      running = false;
      clearTimeout(timer);
      await current;
    },
  };
}
