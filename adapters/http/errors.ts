/**
 * A failure the user can be told about: a stable `code` callers switch on, an HTTP status, and a
 * message fit for the person in front of the page. Anything else is rendered as a generic error.
 *
 * @example
 *   throw new AppError('NOT_FOUND', 404, 'This organization does not exist.');
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  /** Field-level messages for forms, keyed by field name. */
  readonly fields: Readonly<Record<string, string>>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { cause?: unknown; fields?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = status < 500;
    this.fields = Object.freeze({ ...options.fields });
  }
}

/** True when `error` is an `AppError` with the given code. */
export function isAppError(error: unknown, code?: string): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
