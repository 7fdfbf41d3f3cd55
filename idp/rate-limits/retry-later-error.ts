import { AppError } from '../../adapters/http/errors.ts';
import type { IdpErrorCode } from '../idp-errors.ts';

/**
 * A refusal that goes away with time (status 429): too many attempts, or a cooldown between
 * mails. `retryAfterSeconds` is what a refusal or the error page puts in `Retry-After`
 * (RFC 9110 §10.2.3).
 *
 * @example
 *   throw new RetryLaterError('RATE_LIMITED', 'Too many attempts. Try again in 5 minutes.', 300);
 */
export class RetryLaterError<C extends IdpErrorCode = IdpErrorCode> extends AppError<C> {
  declare readonly retryAfterSeconds: number;

  constructor(code: C, message: string, retryAfterSeconds: number, options: { cause?: unknown } = {}) {
    super(code, 429, message, { ...options, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
    this.name = 'RetryLaterError';
  }
}
