import { createServer, type Server } from 'node:http';
import { type Database, openDatabase } from '../adapters/db/database.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { createMailDispatcher, createSmtpTransport } from '../adapters/mail/dispatcher.ts';
import { cleanupExpiredOidcPayloads } from '../adapters/oidc/adapter.ts';
import { createRateLimits, type RateLimitsOptions } from '../adapters/rate-limit/rate-limits.ts';
import type { Config } from '../config/config.ts';
import { createIdp, type IdpContext } from './create-idp.ts';
import { sharedSecret } from './keys/server-secrets.ts';
import { watchSigningKeys } from './keys/signing-keys.ts';
import { idpSchema } from './schema.ts';

export interface RunningIdp {
  /** The provider serving requests now; replaced when the signing keys change. */
  readonly idp: IdpContext;
  readonly orm: Database;
  readonly server: Server;
  close(): Promise<void>;
}

const CLEANUP_EVERY_MS = 10 * 60_000;
const KEY_CHECK_MS = 30_000;

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
    /** Shorter or looser brute-force limits than the defaults (tests); unset: the defaults. */
    rateLimitRules?: RateLimitsOptions['rules'];
  } = {},
): Promise<RunningIdp> {
  if (!config.DATABASE_URL || !config.SMTP_URL)
    throw new Error('DATABASE_URL and SMTP_URL must be resolved first');
  const orm = await openDatabase(idpSchema, { url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
  const cookieSecrets = config.COOKIE_SECRETS ?? [await sharedSecret(orm, 'cookie')];
  const rateLimits = createRateLimits({
    pool: config.DATABASE_URL,
    schema: 'idp',
    rules: options.rateLimitRules,
  });
  const deps = { orm, logger, rateLimits, cookieSecrets };
  let idp = await createIdp(config, deps);
  let handle = idp.provider.callback();
  const keys = watchSigningKeys(orm, options.keyCheckMs ?? KEY_CHECK_MS, async () => {
    // oidc-provider's keystore is fixed at construction: a rotation (from any instance or the
    // CLI) is picked up by building a new provider; all its state is in PostgreSQL anyway.
    idp = await createIdp(config, deps);
    handle = idp.provider.callback();
    logger.info('signing keys changed; now publishing and signing with the new set');
  });

  const dispatcher = createMailDispatcher({
    orm,
    transport: createSmtpTransport(config.SMTP_URL),
    from: config.MAIL_FROM,
    logger,
    pollMs: options.mailPollMs,
  });
  dispatcher.start();
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
      await rateLimits.close();
      await orm.close(true);
    },
  };
}

/** Stop accepting, let in-flight requests finish (10 s at most), then drop idle keep-alive sockets. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((ok) => server.close(() => ok()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(timer);
}
