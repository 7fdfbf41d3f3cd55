import { createServer, type Server } from 'node:http';
import { type Database, openDatabase } from '../adapters/db/database.ts';
import { serverSecret } from '../adapters/db/server-secrets.ts';
import { closeServer } from '../adapters/http/close-server.ts';
import { startPeriodicWork } from '../adapters/jobs/periodic-work.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { startSmtpDispatcher } from '../adapters/mail/dispatcher.ts';
import type { Config } from '../config/config.ts';
import { createPortal } from './create-portal.ts';
import { portalDomain } from './domain.ts';
import { portalPeriodicWork } from './periodic-work.ts';
import type { PortalContext } from './portal-context.ts';
import { createPortalMetrics } from './portal-metrics.ts';
import { portalSchema } from './schema.ts';

export interface RunningPortal {
  readonly portal: PortalContext;
  readonly orm: Database;
  readonly server: Server;
  close(): Promise<void>;
}

export interface PortalServiceOptions {
  /** Outbox poll interval; tests shorten it. */
  readonly mailPollMs?: number;
}

/**
 * Run one portal instance: database (migrated), pages on `PORTAL_PORT`, its mail dispatcher and
 * its periodic work (`periodic-work.ts`). Any number of instances can share a database.
 */
export async function startPortalService(
  config: Config,
  logger: Logger,
  options: PortalServiceOptions = {},
): Promise<RunningPortal> {
  if (!config.DATABASE_URL || !config.SMTP_URL)
    throw new Error('DATABASE_URL and SMTP_URL must be resolved first');
  const orm = await openDatabase(portalSchema, {
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
  });
  const cookieSecrets = config.COOKIE_SECRETS ?? [await serverSecret(orm, 'portal', 'cookie')];
  const metrics = createPortalMetrics(orm);
  const { app, portal } = createPortal(config, {
    orm,
    logger,
    cookieSecrets,
    domain: await portalDomain(config, orm, metrics),
    metrics,
    clientSecret: config.PORTAL_CLIENT_SECRET,
  });
  const dispatcher = startSmtpDispatcher(config, { orm, logger, pollMs: options.mailPollMs });
  const work = startPeriodicWork(portalPeriodicWork(portal), logger);

  const server = createServer(app.callback());
  await new Promise<void>((ok) => server.listen(config.PORTAL_PORT, ok));
  return {
    portal,
    orm,
    server,
    async close() {
      await work.stop();
      await closeServer(server);
      await dispatcher.stop();
      await orm.close(true);
    },
  };
}
