import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { isId } from '../../adapters/db/ids.ts';
import { parseForm } from '../../adapters/http/forms.ts';
import { Account } from './account.entity.ts';
import { accountNotFound } from './account-errors.ts';
import { profileFields } from './account-input.ts';

/**
 * The account with this id, or `null`. Ids that are not UUIDs (a tampered cookie, say) find
 * nothing rather than making PostgreSQL throw.
 */
export async function findAccount(em: EntityManager, id: string): Promise<Account | null> {
  if (!isId(id)) return null;
  return em.findOne(Account, { id });
}

/** The profile form of the account page: given and family name, birth date, optional gender. */
export const profileForm = (now = new Date()) => z.object(profileFields(now));

/** What the profile form of the account page sends. */
export type ProfileInput = z.input<ReturnType<typeof profileForm>>;

/**
 * Change the name, birth date and gender of an account, checked as at sign-up: each bad field
 * gives its message in one `AppError('INVALID_INPUT')` and nothing changes. `NOT_FOUND` (404)
 * when the account is gone.
 *
 * @example
 *   const account = await updateProfile(em, session.accountId, form);
 */
export async function updateProfile(
  em: EntityManager,
  accountId: string,
  input: ProfileInput,
  now = new Date(),
): Promise<Account> {
  const data = parseForm(profileForm(now), input);
  return em.transactional(async (tx) => {
    const account = await findAccount(tx, accountId);
    if (!account) throw accountNotFound();
    account.givenName = data.givenName;
    account.familyName = data.familyName;
    account.birthdate = data.birthdate;
    account.gender = data.gender ?? null;
    return account;
  });
}
