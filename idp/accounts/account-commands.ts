import { parseArgs } from 'node:util';
import type { Database } from '../../adapters/db/database.ts';
import { AppError } from '../../adapters/http/errors.ts';
import { Account } from './account.entity.ts';
import { endAccount } from './account-apps.ts';
import { normaliseEmailOrUndefined } from './email-address.ts';

export const ACCOUNT_USAGE = `  account disable --email E
      Disable an IdP account (compromised, or its owner gone): it can no longer sign in, its
      sessions, grants and tokens end, and every app that had a session of it is told.`;

/**
 * `npm run cli -- account disable --email E`. An unknown address changes nothing and says so
 * (exit 2), as does a missing or malformed one.
 */
export async function accountCommand(orm: Database, action: string | undefined, args: string[]) {
  if (action !== 'disable') return undefined;
  const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
  const email = normaliseEmailOrUndefined(values.email ?? '');
  if (!email) throw new AppError('INVALID_INPUT', 400, 'Give the account with --email ADDRESS.');
  // Disabled accounts too: disabling one again ends whatever it may still hold.
  const account = await orm.em.fork().findOne(Account, { email }, { fields: ['id'] });
  if (!account || !(await endAccount(orm, account.id, 'disable')))
    throw new AppError('NOT_FOUND', 404, `No account has the address ${email}.`);
  console.log(`Account ${email} is disabled: its sign-ins ended and the apps are being told.`);
  return 0;
}
