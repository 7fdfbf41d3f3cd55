import { AppError } from '../../adapters/http/errors.ts';

/**
 * A refusal that goes away with time (status 429): too many attempts, or a cooldown between
 * mails. `retryAfterSeconds` is what the error middleware puts in `Retry-After` (RFC 9110 §10.2.3).
 *
 * @example
 *   if (error instanceof RetryLaterError) ctx.set('Retry-After', String(error.retryAfterSeconds));
 */
export class RetryLaterError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(code: string, message: string, retryAfterSeconds: number, options: { cause?: unknown } = {}) {
    super(code, 429, message, options);
    this.name = 'RetryLaterError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
