import type { Context, Middleware } from 'koa';
import type { Logger } from '../log/logger.ts';
import { AppError } from './errors.ts';
import { tellWhenToRetry } from './refusal.ts';
import type { Views } from './views.ts';

/** PostgreSQL unreachable or restarting: the request can be retried, nothing was written. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '08003',
  '08004',
]);

// node-postgres gives these connection failures no code: a socket the server closed (PostgreSQL
// shutting down) or a client broken by such a close. Matched here, at the boundary, only.
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
];

/**
 * True when `caught` (or an error it wraps as `cause`) says PostgreSQL cannot be reached right
 * now: the request was not acknowledged (its transaction commits whole or not at all) and can be
 * retried once the database is back.
 */
export function isDatabaseOutage(caught: unknown): boolean {
  let error = caught;
  for (let depth = 0; depth < 5 && error && typeof error === 'object'; depth++) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.startsWith(m))) return true;
    error = (error as { cause?: unknown }).cause;
  }
  return false;
}

/** A path nothing answers: the same refusal on every page of both services. */
export function pageNotFound(): AppError<'NOT_FOUND'> {
  return new AppError('NOT_FOUND', 404, 'This page does not exist.');
}

/** True when nothing down the chain answered: Koa's default 404 with no body. */
function unanswered(ctx: Context): boolean {
  return ctx.status === 404 && ctx.body == null && ctx.respond !== false && !ctx.headerSent;
}

/**
 * The error page (or JSON error) for a request nothing answered, instead of Koa's plain-text
 * "Not Found". Answers already given, errors included, are left as they are: use it in front of a
 * handler that renders its own errors (oidc-provider) where `errorHandler` would take them over.
 */
export function notFoundPage(views: Views): Middleware {
  return async (ctx, next) => {
    await next();
    if (unanswered(ctx)) await renderAppError(ctx, views, pageNotFound());
  };
}

/**
 * The one place errors become responses. An `AppError` is shown with its message and status; a
 * database outage becomes a 503 the client may retry; anything else is logged and shown as a
 * generic error, never with its internals.
 */
export function errorHandler(views: Views, logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (unanswered(ctx)) throw pageNotFound();
    } catch (caught) {
      const error = toAppError(caught);
      // During an outage: one line per refused request, not a stack trace each.
      if (error.status === 503) {
        const reason = caught instanceof Error ? caught.message : String(caught);
        logger.warn({ reqId: ctx.state.requestId, code: error.code, reason }, 'request refused: unavailable');
      } else if (error.status >= 500)
        logger.error({ err: caught, reqId: ctx.state.requestId }, 'request failed');
      await renderAppError(ctx, views, error);
    }
  };
}

/** Wrap a foreign error at the boundary, keeping it as `cause`. */
export function toAppError(caught: unknown): AppError {
  // First: a handler that wrapped an outage in its own error (an interaction "expired" because
  // it could not be read) did not see a bad request, but a database it could not reach.
  if (isDatabaseOutage(caught) && !(caught instanceof AppError && caught.status === 503)) {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      503,
      'The service is briefly unavailable. Please try again in a moment.',
      {
        cause: caught,
      },
    );
  }
  if (caught instanceof AppError) return caught;
  const status = (caught as { status?: unknown })?.status;
  if (
    typeof status === 'number' &&
    status >= 400 &&
    status < 500 &&
    (caught as { expose?: boolean }).expose
  ) {
    return new AppError('BAD_REQUEST', status, 'The request could not be understood.', { cause: caught });
  }
  return new AppError('INTERNAL', 500, 'Something went wrong on our side. Please try again.', {
    cause: caught,
  });
}

/** Answer with `error`: JSON for clients that prefer it, the error page otherwise. */
export async function renderAppError(ctx: Context, views: Views, error: AppError): Promise<void> {
  tellWhenToRetry(ctx, error);
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.status = error.status;
    ctx.body = { error: error.code, error_description: error.message };
    return;
  }
  await views.render(ctx, 'error', { title: 'Something is not right', error }, error.status);
}
