import { stopOnSignal } from './adapters/process/until-signalled.ts';
import { loadConfigOrExit } from './config/config.ts';
import { startSystem } from './system/start-system.ts';

/**
 * `npm start`: the IdP and the portal in one process. With `DATABASE_URL` unset a real PostgreSQL
 * runs embedded (data under `.data/`); with `SMTP_URL` unset mail goes to a local dev mailbox.
 */
loadConfigOrExit(process.env); // fail fast, naming the bad variable, before starting anything
const system = await startSystem(process.env);
stopOnSignal(system.logger, system.stop);
