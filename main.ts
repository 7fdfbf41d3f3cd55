import { loadConfig } from './config/config.ts';
import { startSystem } from './system/start-system.ts';

/**
 * `npm start`: the IdP and the portal in one process. With `DATABASE_URL` unset a real PostgreSQL
 * runs embedded (data under `.data/`); with `SMTP_URL` unset mail goes to a local dev mailbox.
 */
loadConfig(process.env); // fail fast, naming the bad variable, before starting anything
const system = await startSystem(process.env);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    system.logger.info({ signal }, 'stopping');
    system.stop().then(
      () => process.exit(0),
      (err) => {
        system.logger.error({ err }, 'stopped with an error');
        process.exit(1);
      },
    );
  });
}
