import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from './errors.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface CsrfOptions {
  /** Newest first; tokens signed with an older secret still verify during a rotation. */
  readonly secrets: readonly string[];
  readonly cookieName: string;
  readonly secure: boolean;
}

/**
 * Signed double-submit cookie (OWASP CSRF cheat sheet): a random cookie, and a form token that is
 * its HMAC. A cross-site form cannot read the cookie, so it cannot produce the token. Runs after
 * the body parser; sets `ctx.state.csrfToken` for the templates.
 */
export function csrfProtection(options: CsrfOptions): Middleware {
  const sign = (value: string, secret: string) =>
    createHmac('sha256', secret).update(value).digest('base64url');
  return async (ctx, next) => {
    let value = ctx.cookies.get(options.cookieName);
    if (!value || !/^[\w-]{43}$/.test(value)) {
      value = randomBytes(32).toString('base64url');
      ctx.cookies.set(options.cookieName, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secure,
        overwrite: true,
      });
      if (UNSAFE.has(ctx.method)) throw csrfError();
    }
    ctx.state.csrfToken = sign(value, options.secrets[0]!);
    if (UNSAFE.has(ctx.method)) {
      const sent = (ctx.request as { body?: Record<string, unknown> }).body?._csrf;
      const ok =
        typeof sent === 'string' && options.secrets.some((secret) => safeEqual(sent, sign(value, secret)));
      if (!ok) throw csrfError();
    }
    await next();
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function csrfError(): AppError {
  return new AppError(
    'CSRF_INVALID',
    403,
    'This form has expired or was sent from another site. Go back, reload the page and try again.',
  );
}
