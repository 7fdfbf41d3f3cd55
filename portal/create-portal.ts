import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import Koa from 'koa';
import type { Database } from '../adapters/db/database.ts';
import { frontDoor } from '../adapters/front-door.ts';
import { csrfProtection } from '../adapters/http/csrf.ts';
import { errorHandler } from '../adapters/http/error-handler.ts';
import { formBody } from '../adapters/http/forms.ts';
import { createViews } from '../adapters/http/views.ts';
import type { Logger } from '../adapters/log/logger.ts';
import type { Config } from '../config/config.ts';
import { accessRequestRoutes, accessRequestsOnNotAMemberPage } from './access-requests/routes.ts';
import { accessReviewRoutes } from './access-reviews/routes.ts';
import { organizationRoutes } from './accounts/routes.ts';
import { auditLogRoutes } from './audit-log/routes.ts';
import type { PortalDomain } from './domain.ts';
import { invitationRoutes } from './invitations/routes.ts';
import { identify } from './membership/gate.ts';
import { memberRoutes } from './membership/routes.ts';
import type { PortalContext, PortalState } from './portal-context.ts';
import type { PortalMetrics } from './portal-metrics.ts';
import { importUpload } from './professionals/csv-upload.ts';
import { professionalRoutes } from './professionals/routes.ts';
import { portalSchema } from './schema.ts';
import { createSessionStore } from './sessions/session-store.ts';
import { browserSessionId, sessions } from './sessions/sessions.ts';
import { backchannelLogout } from './sign-in/backchannel-logout.ts';
import { signInRoutes } from './sign-in/routes.ts';
import { signInOptions } from './sign-in/sign-in-options.ts';
import { joinByVerifiedDomain } from './verified-domains/join-by-domain.ts';
import { verifiedDomainRoutes } from './verified-domains/routes.ts';

export interface PortalDeps {
  readonly orm: Database;
  readonly logger: Logger;
  /** Newest first: CSRF tokens. */
  readonly cookieSecrets: readonly string[];
  /** From `portalDomain(config, orm, metrics)`. */
  readonly domain: PortalDomain;
  /** The portal's client secret at the built-in IdP (unless `SIGN_IN_OPTIONS` lists its own). */
  readonly clientSecret?: string;
  /** One per instance: the domain counts invitations in it too. */
  readonly metrics: PortalMetrics;
}

const SESSION_TTL_SECONDS = 8 * 3600;

/**
 * Build the portal: a Koa app, the relying party of the configured IdPs, whose pages are open to
 * members of an organization only.
 *
 * @example
 *   const metrics = createPortalMetrics(orm);
 *   const domain = await portalDomain(config, orm, metrics);
 *   const { app } = createPortal(config, { orm, logger, cookieSecrets, domain, metrics, clientSecret });
 *   http.createServer(app.callback()).listen(3000);
 */
export function createPortal(
  config: Config,
  deps: PortalDeps,
): { app: Koa<PortalState>; portal: PortalContext } {
  const secure = config.PORTAL_URL.startsWith('https://');
  const { metrics } = deps;
  const portal: PortalContext = {
    config,
    logger: deps.logger,
    secure,
    metrics,
    views: createViews(fileURLToPath(new URL('./views', import.meta.url)), {
      productName: config.PORTAL_NAME,
      base: '',
    }),
    sessions: createSessionStore(deps.orm),
    signIn: signInOptions(config, deps.clientSecret),
    domain: deps.domain,
    afterSignIn: [(signedIn) => joinByVerifiedDomain(deps.domain, signedIn)],
    notAMemberPage: accessRequestsOnNotAMemberPage(deps.domain),
  };
  const app = new Koa<PortalState>({ proxy: config.TRUST_PROXY });
  const door = frontDoor({
    publicUrl: config.PORTAL_URL,
    logger: deps.logger,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    orm: deps.orm,
    schema: portalSchema,
  });
  for (const middleware of door) app.use(middleware);
  app.use(errorHandler(portal.views, deps.logger));
  app.use(formBody());
  // Server-to-server, authenticated by the IdP's signature instead of a CSRF token.
  const backchannel = new Router<PortalState>();
  backchannel.post('/backchannel-logout', backchannelLogout(portal));
  app.use(backchannel.routes());

  app.use(sessions({ store: portal.sessions, secure, ttlSeconds: SESSION_TTL_SECONDS }));
  // The one file upload (Import professionals): read before the CSRF check, which needs its fields.
  app.use(importUpload());
  // After the sessions: every form's token is bound to the portal session id, and renews with it.
  app.use(
    csrfProtection({
      secrets: deps.cookieSecrets,
      cookieName: secure ? '__Host-portal_csrf' : 'portal_csrf',
      secure,
      sessionOf: browserSessionId,
    }),
  );
  app.use(identify(portal));
  const pages = new Router<PortalState>();
  signInRoutes(pages, portal);
  invitationRoutes(pages, portal);
  memberRoutes(pages, portal);
  organizationRoutes(pages, portal);
  professionalRoutes(pages, portal);
  accessRequestRoutes(pages, portal);
  verifiedDomainRoutes(pages, portal);
  accessReviewRoutes(pages, portal);
  auditLogRoutes(pages, portal);
  app.use(pages.routes());
  app.use(pages.allowedMethods());
  return { app, portal };
}
