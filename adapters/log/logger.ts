import pino, { type DestinationStream, type Logger } from 'pino';

export type { DestinationStream, Logger };

/**
 * Structured JSON logs. Secrets never reach them: the paths below are redacted wherever they
 * appear, and request URLs are logged without their query string (codes, tokens, invitation links).
 * `destination` defaults to stdout; tests pass a stream to read the lines back.
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: [
        'password',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        '*.code',
        '*.token',
        '*.client_secret',
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Standard output for a service's logs. Every request writes a line: written one by one that is a
 * write(2) per request, a few percent of a light request's CPU. Buffered up to 4 KB (≈ 25 request
 * lines), written at least once a second, and flushed synchronously when the process exits (pino
 * registers that for an asynchronous stream); a process killed outright loses at most that second.
 */
export function bufferedStdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 1000 });
}
