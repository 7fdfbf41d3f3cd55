import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context } from 'koa';
import Provider from 'oidc-provider';
import { frontDoor } from '../adapters/front-door.ts';
import { csrfProtection } from '../adapters/http/csrf.ts';
import { errorHandler, notFoundPage } from '../adapters/http/error-handler.ts';
import { formBody } from '../adapters/http/forms.ts';
import { createViews } from '../adapters/http/views.ts';
import type { Config } from '../config/config.ts';
import { accountClaimsJson } from './accounts/account-rows.ts';
import { accountRoutes } from './accounts/routes.ts';
import type { IdpContext, IdpDeps } from './idp-context.ts';
import { countIssuedTokens, createIdpMetrics } from './idp-metrics.ts';
import { interactionRoutes } from './interactions/routes.ts';
import { loadSigningKeys } from './keys/signing-keys.ts';
import { acceptIdTokenHintsOfEveryAlg } from './patches/id-token-hint-algorithms.ts';
import { providerConfiguration } from './provider/configuration.ts';
import { accountFinder } from './provider/find-account.ts';
import { idpSchema } from './schema.ts';
import { passkeyAssets } from './second-factors/passkey-assets.ts';
import { secondFactorRoutes } from './second-factors/routes.ts';
import { SECURITY_NOTICES, securitySection } from './second-factors/security-section.ts';
import { rememberedGrantId } from './storage/app-sessions.ts';
import { createOidcAdapter } from './storage/oidc-adapter.ts';

/**
 * Build the identity provider: an oidc-provider instance with our interaction and account pages.
 * The provider is a Koa app: serve it, or mount it under the issuer's path in a host app (with
 * `koa-mount`; the host then needs `host.keys = provider.keys`, since mounted middleware signs
 * cookies through the host's context).
 *
 * @example
 *   const { provider } = await createIdp(config, { orm, logger, rateLimits, cookieSecrets });
 *   http.createServer(provider.callback()).listen(4000);
 */
export async function createIdp(config: Config, deps: IdpDeps): Promise<IdpContext> {
  const base = new URL(config.IDP_ISSUER).pathname.replace(/\/$/, '');
  const secure = config.IDP_ISSUER.startsWith('https://');
  const views = createViews(fileURLToPath(new URL('./views', import.meta.url)), {
    productName: config.IDP_NAME,
    base,
  });
  const provider = new Provider(config.IDP_ISSUER, {
    ...providerConfiguration({
      issuer: config.IDP_ISSUER,
      cookieSecrets: deps.cookieSecrets,
      secureCookies: secure,
      registrationToken: config.REGISTRATION_ACCESS_TOKEN,
      allowPrivateNetworkCallbacks:
        config.ALLOW_PRIVATE_NETWORK_CALLBACKS ?? config.NODE_ENV !== 'production',
      views,
      findAccount: accountFinder(deps.orm),
      rememberedGrantId: (accountId, clientId) => rememberedGrantId(deps.orm, accountId, clientId),
    }),
    adapter: createOidcAdapter(deps.orm, { accountJson: accountClaimsJson }),
    jwks: (await loadSigningKeys(deps.orm)) as never,
  });
  provider.proxy = config.TRUST_PROXY;
  acceptIdTokenHintsOfEveryAlg(provider);
  const metrics = deps.metrics ?? createIdpMetrics(deps.orm);
  countIssuedTokens(provider, metrics);
  const idp: IdpContext = { ...deps, config, provider, views, base, metrics };

  const pages = new Router();
  pages.use(errorHandler(views, deps.logger), formBody());
  pages.use(
    csrfProtection({
      secrets: deps.cookieSecrets,
      cookieName: secure ? '__Host-csrf' : 'csrf',
      secure,
      sessionOf: formSession(provider),
    }),
  );
  interactionRoutes(pages, idp);
  accountRoutes(pages, idp, {
    section: (accountId) => securitySection(deps.orm.em, accountId),
    notices: SECURITY_NOTICES,
  });
  secondFactorRoutes(pages, idp);

  const door = frontDoor({
    publicUrl: config.IDP_ISSUER,
    logger: deps.logger,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    orm: deps.orm,
    schema: idpSchema,
    assets: passkeyAssets,
  });
  for (const middleware of door) provider.use(middleware);
  // A mistyped URL gets the error page; oidc-provider's endpoints (after `pages`) answer as before.
  provider.use(notFoundPage(views));
  provider.use(pages.routes());
  return idp;
}

/**
 * What a form's CSRF token is bound to. The interaction pages (sign-in, sign-up, verification,
 * consent) belong to oidc-provider's interaction: its cookie holds the interaction's uid and is
 * scoped to that interaction's path, so a token of another interaction (another tab's, or an
 * attacker's own) is refused. The account pages belong to oidc-provider's session: its cookie
 * holds the session id, renewed at sign-in and after a password change. The password reset pages
 * are usually opened signed out, with neither cookie: their token is then the plain signed
 * double-submit, which is enough there, since the reset form also carries the e-mailed secret and
 * "forgot password" only sends a rate-limited mail to the address typed. Both cookies are signed
 * by the provider and read as it reads them (a bad signature reads as no cookie).
 */
function formSession(provider: Provider): (ctx: Context) => string {
  const interaction = provider.cookieName('interaction');
  const session = provider.cookieName('session');
  return (ctx) =>
    ctx.path.startsWith('/interaction/')
      ? `interaction:${ctx.cookies.get(interaction) ?? ''}`
      : `session:${ctx.cookies.get(session) ?? ''}`;
}
