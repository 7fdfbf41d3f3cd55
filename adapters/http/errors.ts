/** The codes of the adapters' own refusals; either service may answer with them. */
export const SHARED_ERROR_CODES = [
  'NOT_FOUND',
  'INVALID_INPUT',
  'BAD_FORM',
  'BAD_REQUEST',
  'CSRF_INVALID',
  'INVALID_MAIL_HEADER',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type SharedErrorCode = (typeof SHARED_ERROR_CODES)[number];

/**
 * Every code an `AppError` may carry, one union per entry: the adapters' here, each service's
 * added by declaration merging where the service lists its codes, so a code nobody throws is a
 * type error wherever it is thrown or tested for.
 *
 * @example
 *   declare module '../adapters/http/errors.ts' {
 *     interface ErrorCodes {
 *       portal: PortalErrorCode;
 *     }
 *   }
 */
export interface ErrorCodes {
  shared: SharedErrorCode;
}

export type ErrorCode = ErrorCodes[keyof ErrorCodes];

/**
 * A failure the user can be told about: a stable `code` callers switch on, an HTTP status, and a
 * message fit for the person in front of the page. Anything else is rendered as a generic error.
 *
 * @example
 *   throw new AppError('NOT_FOUND', 404, 'This organization does not exist.');
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly status: number;
  readonly expose: boolean;
  /** Field-level messages for forms, keyed by field name. */
  readonly fields: Readonly<Record<string, string>>;
  /** When a refusal that goes away with time may be tried again (`Retry-After`, RFC 9110 §10.2.3). */
  readonly retryAfterSeconds?: number;

  constructor(
    code: C,
    status: number,
    message: string,
    options: { cause?: unknown; fields?: Record<string, string>; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = status < 500;
    this.fields = Object.freeze({ ...options.fields });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * True when `error` is an `AppError`, with the given code if one is given. Codes are checked at
 * compile time: `isAppError(error, 'NO_SUCH_CODE')` does not compile.
 *
 * @example
 *   if (isAppError(error, 'RATE_LIMITED')) metrics.inc({ outcome: 'rate_limited' });
 */
export function isAppError<C extends ErrorCode = ErrorCode>(error: unknown, code?: C): error is AppError<C> {
  return error instanceof AppError && (code === undefined || error.code === code);
}
