import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../log/logger.ts';
import type { ServiceMetrics } from './service-metrics.ts';

/**
 * `GET /metrics` in Prometheus' text format. With `token` (`METRICS_TOKEN`) only a scraper that
 * sends `Authorization: Bearer <token>` gets them; without it they are public, so a deployment
 * should then keep `/metrics` off the internet at its proxy (the numbers reveal traffic, not data).
 */
export function metricsEndpoint(
  metrics: ServiceMetrics,
  token: string | undefined,
  logger: Logger,
): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || ctx.method !== 'GET') return next();
    if (token !== undefined && !bearerMatches(ctx.get('Authorization'), token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = 'metrics need the bearer token\n';
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    try {
      ctx.body = await metrics.registry.metrics();
      ctx.type = metrics.registry.contentType;
    } catch (error) {
      // The outbox gauges read PostgreSQL: while it is down the scrape fails, visibly.
      (ctx.state.log ?? logger).warn({ err: error }, 'metrics unavailable');
      ctx.status = 503;
      ctx.body = 'metrics unavailable\n';
    }
  };
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
function bearerMatches(header: string, token: string): boolean {
  const sent = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(sent), digest(token));
}
