import { bufferedStdout, createLogger } from '../adapters/log/logger.ts';
import { stopOnSignal } from '../adapters/process/until-signalled.ts';
import { builtInOption, loadConfigOrExit } from '../config/config.ts';
import { startPortalService } from './service.ts';

/**
 * `npm run start:portal`: one portal instance against `DATABASE_URL` and `SMTP_URL`. Its client
 * at the built-in IdP is registered beforehand (`npm run cli -- client add --first-party …`), so
 * its secret is configuration (`PORTAL_CLIENT_SECRET`, or the built-in entry of `SIGN_IN_OPTIONS`)
 * whenever the built-in IdP is a sign-in option.
 */
const base = loadConfigOrExit(process.env);
const builtIn = builtInOption(base);
const needsSecret = builtIn !== undefined && !builtIn.clientSecret;
const config = loadConfigOrExit(
  process.env,
  ['DATABASE_URL', 'SMTP_URL', ...(needsSecret ? (['PORTAL_CLIENT_SECRET'] as const) : [])],
  'to run the portal on its own',
);
const logger = createLogger(config.LOG_LEVEL, 'portal', bufferedStdout());
const running = await startPortalService(config, logger);
logger.info({ url: config.PORTAL_URL, port: config.PORTAL_PORT }, 'portal listening');
stopOnSignal(logger, () => running.close());
