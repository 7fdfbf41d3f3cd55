import type { Context } from 'koa';
import { type AppError, isAppError } from './errors.ts';

// RFC 9110 §10.2.3. An outage is usually over in seconds; a 429 without its own wait (every one
// of ours has one) is told to wait the shortest window of our limits, a minute.
const OUTAGE_RETRY_SECONDS = 5;
const LIMIT_RETRY_SECONDS = 60;

/**
 * Run `change`; when it is refused (an `AppError` below 500: bad input, a rule, a limit), answer
 * with `refuse(refusal)` instead: the form again, with its fields and the message, or a page
 * saying why. A 429 always says when to come back (`Retry-After`, RFC 6585 §4), on a re-rendered
 * form as on an error page. Anything else, a bug or an outage, goes on to the error handler, as
 * does a refusal `passOn` names (a 404, say, that the error page shows better than the form).
 *
 * @example
 *   await attempt(
 *     ctx,
 *     () => updateProfile(em, account.id, form),
 *     (refusal) => renderAccount(ctx, { values: form, ...refusalOf(refusal) }, refusal.status),
 *   );
 */
export async function attempt(
  ctx: Context,
  change: () => Promise<unknown>,
  refuse: (refusal: AppError) => Promise<unknown>,
  passOn: (refusal: AppError) => boolean = () => false,
): Promise<void> {
  try {
    await change();
  } catch (error) {
    if (!isAppError(error) || error.status >= 500 || passOn(error)) throw error;
    tellWhenToRetry(ctx, error);
    await refuse(error);
  }
}

/** What a refused form is shown again with: the message, its code, the message of each field. */
export function refusalOf(refusal: AppError): {
  message: string;
  code: string;
  errors: Record<string, string>;
} {
  return { message: refusal.message, code: refusal.code, errors: { ...refusal.fields } };
}

/** `Retry-After` for a refusal that goes away with time: a 429 always, a 503 (an outage) too. */
export function tellWhenToRetry(ctx: Context, error: AppError): void {
  const fallback =
    error.status === 429 ? LIMIT_RETRY_SECONDS : error.status === 503 ? OUTAGE_RETRY_SECONDS : undefined;
  const seconds = error.retryAfterSeconds ?? fallback;
  if (seconds !== undefined) ctx.set('Retry-After', String(seconds));
}
