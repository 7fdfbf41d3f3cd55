import { bufferedStdout, createLogger } from '../adapters/log/logger.ts';
import { stopOnSignal } from '../adapters/process/until-signalled.ts';
import { loadConfigOrExit } from '../config/config.ts';
import { startIdpService } from './service.ts';

/** `npm run start:idp`: one IdP instance against `DATABASE_URL` and `SMTP_URL` (a deployment). */
const config = loadConfigOrExit(process.env, ['DATABASE_URL', 'SMTP_URL'], 'to run the IdP on its own');
const logger = createLogger(config.LOG_LEVEL, 'idp', bufferedStdout());
const running = await startIdpService(config, logger);
logger.info({ issuer: config.IDP_ISSUER, port: config.IDP_PORT }, 'IdP listening');
stopOnSignal(logger, () => running.close());
