import type { Middleware } from 'koa';

/**
 * Headers every page carries: no inline script or style (CSP), no framing (clickjacking on sign-in
 * and admin pages), no Referer (invitation and reset links must not leak), HSTS behind TLS.
 */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return async (ctx, next) => {
    // Set before the handler runs, so a page that needs its own policy can replace it: oidc-provider
    // does, adding the hash of the one script of its form_post response.
    ctx.set('Content-Security-Policy', csp);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
    if (ctx.type === 'text/html') ctx.set('Cache-Control', 'no-store');
  };
}
