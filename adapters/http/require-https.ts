import type { Middleware } from 'koa';
import type { Logger } from '../log/logger.ts';

/**
 * A service whose public URL is https serves its pages over TLS only: its cookies are `Secure`
 * and cannot be set on a plain-HTTP request. Behind a TLS-terminating proxy the request is
 * plain HTTP, and only `TRUST_PROXY=true` lets `X-Forwarded-Proto: https` say otherwise; without
 * it every page is refused here with a clear answer (and the operator told in the log) rather
 * than failing deep inside with a 500. Health checks and metrics come before this and stay
 * reachable over plain HTTP for load balancers and scrapers.
 */
export function requireHttps(publicUrl: string, logger: Logger): Middleware {
  const https = publicUrl.startsWith('https://');
  return async (ctx, next) => {
    if (!https || ctx.secure) return next();
    (ctx.state.log ?? logger).warn(
      'plain-HTTP request to a service whose URL is https: behind a TLS-terminating proxy, set TRUST_PROXY=true',
    );
    ctx.status = 403;
    ctx.type = 'text/plain';
    ctx.body = `This service is only available over HTTPS: ${publicUrl}\n`;
  };
}
