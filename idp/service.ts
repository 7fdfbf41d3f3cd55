import { createServer, type Server } from 'node:http';
import { type Database, openDatabase } from '../adapters/db/database.ts';
import { serverSecret } from '../adapters/db/server-secrets.ts';
import { connectionPool } from '../adapters/db/statements.ts';
import { closeServer } from '../adapters/http/close-server.ts';
import { isDatabaseOutage, renderAppError, toAppError } from '../adapters/http/error-handler.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { startSmtpDispatcher } from '../adapters/mail/dispatcher.ts';
import type { Config } from '../config/config.ts';
import { createIdp } from './create-idp.ts';
import type { IdpContext } from './idp-context.ts';
import { createIdpMetrics } from './idp-metrics.ts';
import { watchSigningKeys } from './keys/signing-keys.ts';
import { createLogoutDispatcher, type LogoutDispatcherOptions } from './logout/logout-dispatcher.ts';
import { createRateLimits, type RateLimitsOptions } from './rate-limits/rate-limits.ts';
import { idpSchema } from './schema.ts';
import { cleanupExpiredOidcPayloads } from './storage/oidc-store.ts';

export interface RunningIdp {
  /** The provider serving requests now; replaced when the signing keys change. */
  readonly idp: IdpContext;
  readonly orm: Database;
  readonly server: Server;
  close(): Promise<void>;
}

const CLEANUP_EVERY_MS = 10 * 60_000;

/**
 * Run one IdP instance: database (migrated), provider and pages on `IDP_PORT`, the mail dispatcher
 * and the periodic cleanup of expired provider rows. Any number of instances can share a database.
 */
export async function startIdpService(
  config: Config,
  logger: Logger,
  options: {
    mailPollMs?: number;
    keyCheckMs?: number;
    /** Back-channel logout queue: poll interval, retry backoff and give-up window (tests shorten them). */
    logouts?: Pick<LogoutDispatcherOptions, 'pollMs' | 'backoff' | 'giveUpAfterSeconds'>;
    /** Shorter or looser brute-force limits than the defaults (tests); unset: the defaults. */
    rateLimitRules?: RateLimitsOptions['rules'];
  } = {},
): Promise<RunningIdp> {
  if (!config.DATABASE_URL || !config.SMTP_URL)
    throw new Error('DATABASE_URL and SMTP_URL must be resolved first');
  const orm = await openDatabase(idpSchema, { url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
  const cookieSecrets = config.COOKIE_SECRETS ?? [await serverSecret(orm, 'idp', 'cookie')];
  // The limits count on the ORM's own pool, like every other statement of the instance.
  const rateLimits = createRateLimits({
    pool: await connectionPool(orm),
    schema: 'idp',
    rules: options.rateLimitRules,
  });
  // One registry for the instance's life: a provider rebuilt for new keys keeps counting.
  const deps = { orm, logger, rateLimits, cookieSecrets, metrics: createIdpMetrics(orm) };
  const build = async () => answerOutagesWith503(await createIdp(config, deps));
  let idp = await build();
  let handle = idp.provider.callback();
  const keys = watchSigningKeys(orm, options.keyCheckMs ?? config.KEY_CHECK_SECONDS * 1000, async () => {
    // oidc-provider's keystore is fixed at construction: a rotation (from any instance or the
    // CLI) is picked up by building a new provider; all its state is in PostgreSQL anyway.
    idp = await build();
    handle = idp.provider.callback();
    logger.info('signing keys changed; now publishing and signing with the new set');
  });

  const dispatcher = startSmtpDispatcher(config, { orm, logger, pollMs: options.mailPollMs });
  const logouts = createLogoutDispatcher({
    orm,
    provider: () => idp.provider,
    logger,
    onGiveUp: () => deps.metrics.logoutsGivenUp.inc(),
    ...options.logouts,
  });
  logouts.start();
  const cleanup = setInterval(() => {
    cleanupExpiredOidcPayloads(orm).catch((err) =>
      logger.warn({ err }, 'cleanup of expired provider rows failed'),
    );
  }, CLEANUP_EVERY_MS);
  cleanup.unref();

  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((ok) => server.listen(config.IDP_PORT, ok));
  return {
    get idp() {
      return idp;
    },
    orm,
    server,
    async close() {
      clearInterval(cleanup);
      keys.stop();
      await closeServer(server);
      await dispatcher.stop();
      await logouts.stop();
      await orm.close(true);
    },
  };
}

/**
 * oidc-provider renders any failure of its storage as a 500 `server_error`. A database outage is
 * not a bug but a moment to retry: answer it as the pages do, 503 with `Retry-After`.
 */
function answerOutagesWith503(idp: IdpContext): IdpContext {
  const outages = new WeakMap<object, unknown>();
  idp.provider.on('server_error', (ctx: object, err: unknown) => {
    if (isDatabaseOutage(err)) outages.set(ctx, err);
  });
  idp.provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // Saving the session happens after the endpoint's own error handler: it throws to here.
      if (!isDatabaseOutage(err)) throw err;
      outages.set(ctx, err);
    }
    if (outages.has(ctx)) await renderAppError(ctx, idp.views, toAppError(outages.get(ctx)));
  });
  return idp;
}
