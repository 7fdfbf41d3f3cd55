import type { Context, Middleware } from 'koa';
import { loggablePath } from '../http/loggable-path.ts';
import type { ServiceMetrics } from './service-metrics.ts';

/**
 * Observe every request's duration in `http_request_duration_seconds`. The route label is the
 * matched route's pattern (`/interaction/:uid`), else the path with ids masked; every 404 shares
 * one label, so probing random URLs cannot make the series grow without bound.
 */
export function measureRequests(metrics: ServiceMetrics): Middleware {
  return async (ctx, next) => {
    const stop = metrics.httpDuration.startTimer();
    try {
      await next();
      stop({ method: ctx.method, route: routeLabel(ctx, ctx.status), status: String(ctx.status) });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      stop({ method: ctx.method, route: routeLabel(ctx, status), status: String(status) });
      throw error;
    }
  };
}

function routeLabel(ctx: Context, status: number): string {
  if (status === 404) return '(unmatched)';
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : loggablePath(ctx.path);
}
