import type Router from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import type { Views } from '../adapters/http/views.ts';
import type { Logger } from '../adapters/log/logger.ts';
import type { Config } from '../config/config.ts';
import type { PortalDomain } from './domain.ts';
import type { PortalMetrics } from './portal-metrics.ts';
import type { Membership, SessionStore, SignedIn } from './sessions/session-store.ts';
import type { SessionState } from './sessions/sessions.ts';
import type { SignInOptions } from './sign-in/sign-in-options.ts';

/** What the portal's routes need; built once per portal instance. */
export interface PortalContext {
  readonly config: Config;
  readonly domain: PortalDomain;
  readonly views: Views;
  readonly sessions: SessionStore;
  readonly signIn: SignInOptions;
  readonly logger: Logger;
  readonly secure: boolean;
  readonly metrics: PortalMetrics;
  /**
   * What happens once a person has signed in, before their memberships are counted and the sign-in
   * audited (`finishSignIn`): capabilities above `sign-in/` add their step here in `create-portal.ts`.
   */
  readonly afterSignIn: readonly AfterSignIn[];
  /**
   * What the J12 page (`renderNotAMember`) shows besides its text: a capability above
   * `membership/` (access requests) gives its part in `create-portal.ts`.
   */
  readonly notAMemberPage?: NotAMemberPage;
}

/** The data a capability adds to the J12 page for the person in `ctx`. */
export type NotAMemberPage = (ctx: PortalRequest) => Promise<Record<string, unknown>>;

/** One step run after every completed sign-in (e.g. joining by a verified domain). */
export type AfterSignIn = (signedIn: SignedIn) => Promise<void>;

/** The signed-in person, as every page's header shows them. */
export interface Me {
  readonly name: string;
  readonly email: string;
  readonly isAdmin: boolean;
  readonly signedIn: SignedIn;
  readonly memberships: readonly Membership[];
}
/** Set by the `identify` middleware for a signed-in person. */
export interface MeState {
  me?: Me;
}

/** What the portal's middleware leaves on `ctx.state` for the routes: the session, and who is asking. */
export type PortalState = SessionState & MeState;

/** A request inside the portal's app. */
export type PortalRequest = ParameterizedContext<PortalState>;
export type PortalMiddleware = Middleware<PortalState>;
/** The router each capability adds its routes to. */
export type PortalRouter = Router<PortalState>;
