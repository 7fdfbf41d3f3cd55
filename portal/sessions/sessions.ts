import { randomBytes } from 'node:crypto';
import type { Middleware, ParameterizedContext } from 'koa';
import type { Membership, SessionData, SessionStore } from './session-store.ts';

export interface SessionOptions {
  readonly store: SessionStore;
  readonly secure: boolean;
  /** Absolute lifetime, from sign-in (a new session id); never extended by use. */
  readonly ttlSeconds: number;
  /** Idle lifetime: the session ends after this long without a request (default 1 hour). */
  readonly idleSeconds?: number;
}

/** The request's session: its data, and whether it must be written back. */
export interface Session {
  id?: string;
  data: SessionData;
  /**
   * The signed-in person's active memberships, read with the session row at the start of this
   * request; undefined for a session this request started.
   */
  readonly memberships?: readonly Membership[];
  changed: boolean;
  renew: boolean;
  destroyed: boolean;
  /** The well-formed session cookie the request carried, whether or not its row still exists. */
  readonly presented?: string;
  /** The id a renewed or first-saved session gets, chosen when first needed (see `browserSessionId`). */
  nextId?: string;
}

/** What the session middleware leaves on `ctx.state`. */
export interface SessionState {
  session: Session;
}

/** A request behind the session middleware. */
type SessionRequest = ParameterizedContext<SessionState>;

const ID = /^[\w-]{43}$/;
const DEFAULT_IDLE_SECONDS = 3600;
/** A request refreshes the idle deadline at most this often (one write per minute, not per request). */
const TOUCH_EVERY_MS = 60_000;

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-portal_session' : 'portal_session';
}

/**
 * Server-side sessions: the cookie holds only a random 256-bit id. Loaded before the routes,
 * written back after them when changed; `renewSession` gives a new id (after sign-in and after a
 * claim: session fixation), `endSession` deletes the row and the cookie.
 */
export function sessions(options: SessionOptions): Middleware<SessionState> {
  const name = sessionCookieName(options.secure);
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: options.secure, overwrite: true };
  const absoluteMs = options.ttlSeconds * 1000;
  const idleMs = (options.idleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000;
  const expired = (data: SessionData, now: number) =>
    now - (data.createdAt ?? 0) >= absoluteMs || now - (data.seenAt ?? 0) >= idleMs;
  return async (ctx, next) => {
    const now = Date.now();
    const presented = ctx.cookies.get(name);
    const id = presented && ID.test(presented) ? presented : undefined;
    let loaded = id ? await options.store.load(id) : undefined;
    if (id && loaded && expired(loaded.data, now)) {
      // Idle or absolute lifetime over (ASVS 7.3.1, 7.3.2): gone server-side, as if signed out.
      await options.store.destroy(id);
      loaded = undefined;
    }
    const session: Session = {
      id: loaded ? id : undefined,
      data: loaded?.data ?? {},
      memberships: loaded?.memberships,
      changed: false,
      renew: false,
      destroyed: false,
      presented: id,
    };
    ctx.state.session = session;
    await next();
    if (session.destroyed) {
      if (session.id) await options.store.destroy(session.id);
      ctx.cookies.set(name, null, cookie);
      return;
    }
    const touch = session.id !== undefined && now - (session.data.seenAt ?? 0) >= TOUCH_EVERY_MS;
    if (!session.changed && !session.renew && !touch) return;
    if (session.renew && session.id) await options.store.destroy(session.id);
    const newId = session.renew || !session.id ? (session.nextId ?? newSessionId()) : session.id;
    if (newId !== session.id) session.data.createdAt = now;
    session.data.seenAt = now;
    const createdAt = session.data.createdAt ?? now;
    const remainingMs = Math.min(createdAt + absoluteMs - now, idleMs);
    await options.store.save(newId, session.data, Math.max(1, Math.ceil(remainingMs / 1000)));
    if (newId !== session.id) ctx.cookies.set(name, newId, { ...cookie, maxAge: options.ttlSeconds * 1000 });
  };
}

const newSessionId = () => randomBytes(32).toString('base64url');

/**
 * The session id the browser holds once this response is sent (`''`: none), which CSRF tokens are
 * bound to: before the routes, the cookie the request carried; after a sign-in (renewal) or the
 * first save, the new id, chosen here so the page rendered now and the cookie set now agree.
 */
export function browserSessionId(ctx: SessionRequest): string {
  const session = sessionOf(ctx);
  if (session.destroyed) return '';
  if (session.renew || (session.changed && !session.id)) {
    session.nextId ??= newSessionId();
    return session.nextId;
  }
  return session.presented ?? '';
}

export function sessionOf(ctx: SessionRequest): Session {
  return ctx.state.session;
}

/** Change the session data; it is saved after the response is built. */
export function updateSession(ctx: SessionRequest, change: (data: SessionData) => void): void {
  const session = sessionOf(ctx);
  change(session.data);
  session.changed = true;
}

export function renewSession(ctx: SessionRequest): void {
  sessionOf(ctx).renew = true;
}

export function endSession(ctx: SessionRequest): void {
  sessionOf(ctx).destroyed = true;
}
