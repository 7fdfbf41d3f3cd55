import type { Context, Middleware } from 'koa';
import type { Logger } from '../log/logger.ts';
import { AppError } from './errors.ts';
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
]);

/**
 * The one place errors become responses. An `AppError` is shown with its message and status; a
 * database outage becomes a 503 the client may retry; anything else is logged and shown as a
 * generic error, never with its internals.
 */
export function errorHandler(views: Views, logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError('NOT_FOUND', 404, 'This page does not exist.');
      }
    } catch (caught) {
      const error = toAppError(caught);
      if (error.status >= 500) logger.error({ err: caught, reqId: ctx.state.requestId }, 'request failed');
      await respond(ctx, views, error);
    }
  };
}

/** Wrap a foreign error at the boundary, keeping it as `cause`. */
export function toAppError(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  const code = (caught as { code?: unknown })?.code;
  const status = (caught as { status?: unknown })?.status;
  if (typeof code === 'string' && UNAVAILABLE.has(code)) {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      503,
      'The service is briefly unavailable. Please try again in a moment.',
      {
        cause: caught,
      },
    );
  }
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

async function respond(ctx: Context, views: Views, error: AppError): Promise<void> {
  if (error.status === 503) ctx.set('Retry-After', '5');
  const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter) ctx.set('Retry-After', String(retryAfter));
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.status = error.status;
    ctx.body = { error: error.code, error_description: error.message };
    return;
  }
  await views.render(ctx, 'error', { title: 'Something is not right', error }, error.status);
}
