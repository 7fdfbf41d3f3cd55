import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from './errors.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const COOKIE_VALUE = /^[\w-]{43}$/;

/** What `csrfProtection` leaves on `ctx.state`: the form token of this response, computed on demand. */
export interface CsrfState {
  csrfToken?: () => string;
}

export interface CsrfOptions {
  /** Newest first; tokens signed with an older secret still verify during a rotation. */
  readonly secrets: readonly string[];
  readonly cookieName: string;
  readonly secure: boolean;
  /**
   * The session the request belongs to: the identifier the browser's session cookie holds, `''`
   * for none. Asked when a form is checked, and again when a page renders its token, so a page
   * rendered after the session id changed (sign-in) carries the token of the new one.
   */
  readonly sessionOf: (ctx: Context) => string;
}

/**
 * Signed double-submit cookie bound to the session (OWASP CSRF cheat sheet, "Signed Double-Submit
 * Cookie"; ASVS 5.0 V3.5.1): a random cookie, and a form token that is the HMAC of that value and
 * the session's identifier. A cross-site form can neither read the cookie nor compute the HMAC;
 * and a cookie and token taken from another session (the attacker's own, planted in a victim's
 * browser) fail against the victim's session id. Runs after the body parser and after whatever
 * `sessionOf` reads; `ctx.state.csrfToken()` gives the token, computed when a page renders.
 */
export function csrfProtection(options: CsrfOptions): Middleware<CsrfState> {
  // The random value has a fixed length, so `value!session` cannot be read two ways.
  const sign = (value: string, session: string, secret: string) =>
    createHmac('sha256', secret).update(`${value}!${session}`).digest('base64url');
  return async (ctx, next) => {
    let value = ctx.cookies.get(options.cookieName);
    const fresh = !value || !COOKIE_VALUE.test(value);
    if (fresh) {
      value = randomBytes(32).toString('base64url');
      ctx.cookies.set(options.cookieName, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secure,
        overwrite: true,
      });
    }
    const cookie = value!;
    // A function, called when a page renders (adapters/http/views.ts): the session id may change
    // during the request (sign-in renews it). A getter defined on `ctx.state` would do the same but
    // turns that object slow for the rest of the request: a gated page cost 60% more CPU with it.
    ctx.state.csrfToken = () => sign(cookie, options.sessionOf(ctx), options.secrets[0]!);
    if (UNSAFE.has(ctx.method)) {
      if (fresh) throw csrfError();
      const sent = (ctx.request as { body?: Record<string, unknown> }).body?._csrf;
      const session = options.sessionOf(ctx);
      const ok =
        typeof sent === 'string' &&
        options.secrets.some((secret) => safeEqual(sent, sign(cookie, session, secret)));
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

function csrfError(): AppError<'CSRF_INVALID'> {
  return new AppError(
    'CSRF_INVALID',
    403,
    'This form has expired or was sent from another site. Go back, reload the page and try again.',
  );
}
