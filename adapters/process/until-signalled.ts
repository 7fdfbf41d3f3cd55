import type { Logger } from '../log/logger.ts';

/**
 * Stop cleanly on SIGINT (Ctrl-C) or SIGTERM (an orchestrator): in-flight requests finish, pools
 * close, the embedded PostgreSQL shuts down; a second signal is ignored while stopping.
 */
export function stopOnSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      stop().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'stopped with an error');
          process.exit(1);
        },
      );
    });
  }
}
