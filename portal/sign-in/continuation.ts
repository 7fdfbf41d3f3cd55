import type { PortalRequest } from '../portal-context.ts';
import type { Continuation } from '../sessions/session-store.ts';
import { sessionOf, updateSession } from '../sessions/sessions.ts';
import { safeReturnTo } from './return-to.ts';

/** Long enough to sign up at the IdP on the way (an e-mail code included), short enough to go stale. */
const CONTINUATION_MAX_AGE_MS = 60 * 60_000;

/**
 * Keep `state` in the session for the route at `path`, which the person reaches once signed in
 * (the sign-in's `returnTo`). The sign-in flow knows only that a continuation is waiting there:
 * that route finishes the journey, and records the sign-in (`finishSignIn`).
 *
 * @example
 *   continueAfterSignIn(ctx, { path: '/invitations/claim', state: token, loginHint: email });
 *   await signInOrChoose(ctx, portal, '/invitations/claim');
 */
export function continueAfterSignIn(
  ctx: PortalRequest,
  continuation: { path: string; state: string; loginHint?: string },
): void {
  const path = safeReturnTo(continuation.path);
  updateSession(ctx, (data) => {
    data.continuation = { ...continuation, path, createdAt: Date.now() };
  });
}

/**
 * The fresh continuation waiting at `path`, if any: the route there finishes the sign-in, and
 * the sign-in may pass its login hint to the IdP.
 */
export function waitingContinuation(ctx: PortalRequest, path: string): Continuation | undefined {
  const continuation = sessionOf(ctx).data.continuation;
  return continuation?.path === path && fresh(continuation.createdAt) ? continuation : undefined;
}

/** The state kept for `path`, once: taking it removes it. Undefined when none (or a stale one) waits. */
export function takeContinuation(ctx: PortalRequest, path: string): string | undefined {
  const continuation = sessionOf(ctx).data.continuation;
  if (!continuation || continuation.path !== path) return undefined;
  updateSession(ctx, (data) => {
    delete data.continuation;
  });
  return fresh(continuation.createdAt) ? continuation.state : undefined;
}

function fresh(createdAt: number): boolean {
  return Date.now() - createdAt < CONTINUATION_MAX_AGE_MS;
}
