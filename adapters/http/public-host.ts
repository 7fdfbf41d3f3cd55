import type { Middleware } from 'koa';

/**
 * Answer only for the host (and port) of the service's configured public URL (`IDP_ISSUER`,
 * `PORTAL_URL`); any other `Host` gets 421 Misdirected Request (RFC 9110 §15.5.20) before a page
 * or an endpoint runs. oidc-provider builds discovery and every endpoint URL from the request's
 * origin, and pages build links from it too: pinned here, a forged `Host` cannot make the IdP
 * advertise or redirect to another origin (host header injection, OWASP WSTG-INPV-17; RFC 9110 §7.2).
 *
 * Behind a trusted proxy (`TRUST_PROXY=true`) the host checked is the one the proxy forwards
 * (`X-Forwarded-Host`, else `Host`), since that is where the browser went; without it a
 * forwarded host is ignored and `Host` alone counts. Health checks and metrics come before this:
 * load balancers and scrapers call an instance by its own address.
 */
export function publicHostOnly(publicUrl: string): Middleware {
  const url = new URL(publicUrl);
  // `URL.host` omits the scheme's default port; a client may still send it (`host:443`).
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const allowed = new Set([url.host, url.port ? url.host : `${url.host}:${defaultPort}`]);
  const refusal = `This service answers only for ${url.origin}\n`;
  return async (ctx, next) => {
    if (allowed.has(ctx.host.toLowerCase())) return next();
    ctx.status = 421;
    ctx.type = 'text/plain';
    ctx.body = refusal;
  };
}
