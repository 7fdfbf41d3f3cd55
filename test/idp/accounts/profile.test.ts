import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../adapters/http/errors.ts';
import { findAccount, updateProfile } from '../../../idp/accounts/accounts.ts';
import { type AccountsWorld, openAccountsWorld, verifiedAccount } from '../../support/accounts-world.ts';

describe('the account profile', () => {
  let world: AccountsWorld;
  beforeAll(async () => {
    world = await openAccountsWorld();
  });
  afterAll(() => world.close());

  const profile = {
    givenName: ' Grace ',
    familyName: 'Hopper',
    birthdate: '1906-12-09',
    gender: '' as const,
  };

  it('saves a new name, birth date and gender', async () => {
    const { account } = await verifiedAccount(world);
    await updateProfile(world.em(), account.id, { ...profile, gender: 'other' });
    const saved = await findAccount(world.em(), account.id);
    expect(saved).toMatchObject({
      givenName: 'Grace',
      familyName: 'Hopper',
      birthdate: '1906-12-09',
      gender: 'other',
    });
    expect(saved?.name).toBe('Grace Hopper');
  });

  it('refuses a bad field with its message and changes nothing', async () => {
    const { account } = await verifiedAccount(world);
    const error = await updateProfile(world.em(), account.id, { ...profile, birthdate: '1906-13-01' }).catch(
      (e) => e,
    );
    expect(isAppError(error, 'INVALID_INPUT') && error.fields).toEqual({
      birthdate: 'Enter a date that exists.',
    });
    expect(await findAccount(world.em(), account.id)).toMatchObject({
      givenName: 'Ada',
      birthdate: '1990-12-10',
    });
  });

  it('answers NOT_FOUND for an account that does not exist', async () => {
    const error = await updateProfile(world.em(), '00000000-0000-4000-8000-000000000000', profile).catch(
      (e) => e,
    );
    expect(isAppError(error, 'NOT_FOUND') && error.status).toBe(404);
  });

  it('finds nothing for an id that is not a UUID', async () => {
    expect(await findAccount(world.em(), "1' or '1'='1")).toBeNull();
  });
});
