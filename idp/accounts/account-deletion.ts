import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { Database } from '../../adapters/db/database.ts';
import { checkbox, parseForm } from '../../adapters/http/forms.ts';
import { endAccount } from './account-apps.ts';
import { accountNotFound } from './account-errors.ts';
import { checkCurrentPassword } from './password-change.ts';
import type { Throttle } from './throttle.ts';

/** The "Delete account" form: the current password and the box that confirms it. */
export const deleteAccountForm = z.object({
  deletePassword: z.string(),
  confirm: checkbox().pipe(
    z.literal(true, { error: 'Tick the box to confirm that the account and its data go for good.' }),
  ),
});

/** What the "Delete account" form sends, and the limits a wrong password counts against. */
export type DeleteAccountInput = z.input<typeof deleteAccountForm> & { readonly throttle?: Throttle };

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
  input: DeleteAccountInput,
): Promise<void> {
  const { deletePassword } = parseForm(deleteAccountForm, input);
  await checkCurrentPassword(em, accountId, deletePassword, input.throttle, 'deletePassword');
  if (!(await endAccount(orm, accountId, 'delete'))) throw accountNotFound();
}
