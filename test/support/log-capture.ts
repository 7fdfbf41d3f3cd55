import { createLogger, type Logger } from '../../adapters/log/logger.ts';

/** Log lines written by the services of a test, as they would reach stdout. */
export interface LogCapture {
  readonly lines: string[];
  /** A logger (all levels) writing into `lines`; give it to `startTestIdp` / `startTestPortal`. */
  logger(name: string): Logger;
}

/** Capture the JSON lines of one or more services' loggers, everything from `trace` up. */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  return { lines, logger: (name) => createLogger('trace', name, destination) };
}
