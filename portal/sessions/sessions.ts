import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { SessionData, SessionStore } from './session-store.ts';

export interface SessionOptions {
  readonly store: SessionStore;
  readonly secure: boolean;
  readonly ttlSeconds: number;
}

/** The request's session: its data, and whether it must be written back. */
export interface Session {
  id?: string;
  data: SessionData;
  changed: boolean;
  renew: boolean;
  destroyed: boolean;
}

const ID = /^[\w-]{43}$/;

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-portal_session' : 'portal_session';
}

/**
 * Server-side sessions: the cookie holds only a random 256-bit id. Loaded before the routes,
 * written back after them when changed; `renewSession` gives a new id (after sign-in and after a
 * claim: session fixation), `endSession` deletes the row and the cookie.
 */
export function sessions(options: SessionOptions): Middleware {
  const name = sessionCookieName(options.secure);
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: options.secure, overwrite: true };
  return async (ctx, next) => {
    const presented = ctx.cookies.get(name);
    const id = presented && ID.test(presented) ? presented : undefined;
    const data = id ? await options.store.load(id) : undefined;
    const session: Session = {
      id: data ? id : undefined,
      data: data ?? {},
      changed: false,
      renew: false,
      destroyed: false,
    };
    ctx.state.session = session;
    await next();
    if (session.destroyed) {
      if (session.id) await options.store.destroy(session.id);
      ctx.cookies.set(name, null, cookie);
      return;
    }
    if (!session.changed && !session.renew) return;
    if (session.renew && session.id) await options.store.destroy(session.id);
    const newId = session.renew || !session.id ? randomBytes(32).toString('base64url') : session.id;
    await options.store.save(newId, session.data, options.ttlSeconds);
    if (newId !== session.id) ctx.cookies.set(name, newId, { ...cookie, maxAge: options.ttlSeconds * 1000 });
  };
}

export function sessionOf(ctx: Context): Session {
  return ctx.state.session as Session;
}

/** Change the session data; it is saved after the response is built. */
export function updateSession(ctx: Context, change: (data: SessionData) => void): void {
  const session = sessionOf(ctx);
  change(session.data);
  session.changed = true;
}

export function renewSession(ctx: Context): void {
  sessionOf(ctx).renew = true;
}

export function endSession(ctx: Context): void {
  sessionOf(ctx).destroyed = true;
}
