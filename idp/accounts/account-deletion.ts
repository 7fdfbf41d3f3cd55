import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../../adapters/db/database.ts';
import { endAccount } from './account-apps.ts';
import { accountNotFound, invalidInput } from './account-errors.ts';
import { checkCurrentPassword } from './password-change.ts';
import type { Throttle } from './throttle.ts';

/**
 * "Delete account": with the current password and a ticked confirmation, the account goes with
 * its sessions, grants, codes and tokens, and every app that had a session or grant of the person
 * is told to end it (back-channel logout). The address can sign up again afterwards. A missing
 * confirmation throws `INVALID_INPUT` (field `confirm`), a wrong password `INVALID_CREDENTIALS`;
 * either changes nothing (field `deletePassword`).
 */
export async function deleteAccount(
  orm: Database,
  em: EntityManager,
  accountId: string,
  input: { password: string; confirm: string; throttle?: Throttle },
): Promise<void> {
  if (input.confirm !== 'yes')
    throw invalidInput({ confirm: 'Tick the box to confirm that the account and its data go for good.' });
  await checkCurrentPassword(em, accountId, input.password, input.throttle, 'deletePassword');
  if (!(await endAccount(orm, accountId, 'delete'))) throw accountNotFound();
}
