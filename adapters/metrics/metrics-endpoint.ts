import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Logger } from '../log/logger.ts';
import type { ServiceMetrics } from './service-metrics.ts';

/**
 * `GET /metrics` in Prometheus' text format; never public (the numbers reveal traffic and
 * sign-in failures). With `token` (`METRICS_TOKEN`) only a scraper that sends
 * `Authorization: Bearer <token>` gets them, from anywhere; without it only a scraper on this
 * machine does (see `fromThisMachine`), and production refuses to start without a token.
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
    if (token === undefined && !fromThisMachine(ctx)) {
      ctx.status = 403;
      ctx.body = 'metrics are served to this machine only; set METRICS_TOKEN to scrape from elsewhere\n';
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

/**
 * The TCP peer is a loopback address, and no proxy relayed the request. The socket's own address
 * counts, never `X-Forwarded-For` (`ctx.ip` under `TRUST_PROXY`), which the client writes; and a
 * request carrying forwarding headers came through a proxy, which connects from loopback for
 * whoever is behind it when it runs on the same machine.
 */
function fromThisMachine(ctx: Context): boolean {
  const peer = ctx.req.socket.remoteAddress ?? '';
  const loopback = peer.startsWith('127.') || peer === '::1' || peer.startsWith('::ffff:127.');
  return loopback && !ctx.get('X-Forwarded-For') && !ctx.get('Forwarded');
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
function bearerMatches(header: string, token: string): boolean {
  const sent = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(sent), digest(token));
}
