import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../adapters/http/errors.ts';
import { Account } from '../../../idp/accounts/account.entity.ts';
import {
  authenticate,
  changePassword,
  requestPasswordReset,
  resetPassword,
  signUp,
  verifyEmail,
} from '../../../idp/accounts/accounts.ts';
import {
  type AccountsWorld,
  codeIn,
  later,
  openAccountsWorld,
  signUpForm,
  verifiedAccount,
} from '../../support/accounts-world.ts';

describe('changing and resetting a password', () => {
  let world: AccountsWorld;
  beforeAll(async () => {
    world = await openAccountsWorld();
  });
  afterAll(() => world.close());

  const NEW_PASSWORD = 'violet-Harbour-7731';
  const resetUrl = (token: string) => `https://id.example.test/reset-password?token=${token}`;
  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      () => 'done',
      (e: unknown) => (isAppError(e) ? e.code : e),
    );
  const stored = (id: string) => world.em().findOneOrFail(Account, { id });

  async function resetLink(email: string, now = new Date()): Promise<string> {
    await requestPasswordReset(world.em(), { email, resetUrl }, now);
    const link = (await world.mailsTo(email)).at(-1)?.links[0];
    expect(link).toMatch(/^https:\/\/id\.example\.test\/reset-password\?token=[\w-]{43}$/);
    return new URL(link!).searchParams.get('token')!;
  }

  it('changes the password when the current one is given, and ends earlier sessions', async () => {
    const { account, email, password } = await verifiedAccount(world);
    const now = later(1_000);
    await changePassword(
      world.em(),
      account.id,
      { currentPassword: password, newPassword: NEW_PASSWORD },
      now,
    );
    expect((await stored(account.id)).sessionsValidAfter).toEqual(now);
    expect((await authenticate(world.orm, { email, password: NEW_PASSWORD })).id).toBe(account.id);
    expect(await outcome(authenticate(world.orm, { email, password }))).toBe('INVALID_CREDENTIALS');
    expect((await world.mailsTo(email)).at(-1)?.subject).toBe('Your password was changed');
  });

  it('refuses to change the password without the right current one', async () => {
    const { account, email } = await verifiedAccount(world);
    const before = (await stored(account.id)).sessionsValidAfter;
    const error = await changePassword(world.em(), account.id, {
      currentPassword: 'a guess',
      newPassword: NEW_PASSWORD,
    }).catch((e: unknown) => e);
    expect(isAppError(error, 'INVALID_CREDENTIALS') && error.status).toBe(401);
    expect(isAppError(error) && error.fields.currentPassword).toBe('Your current password is incorrect.');
    expect((await stored(account.id)).sessionsValidAfter).toEqual(before);
    expect(await outcome(authenticate(world.orm, { email, password: NEW_PASSWORD }))).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('refuses a new password the policy refuses, on its field', async () => {
    const { account, password } = await verifiedAccount(world);
    const error = await changePassword(world.em(), account.id, {
      currentPassword: password,
      newPassword: 'Lovelace123',
    }).catch((e: unknown) => e);
    expect(isAppError(error, 'INVALID_INPUT') && error.fields.newPassword).toBe(
      'Do not use your name or e-mail address in your password.',
    );
  });

  it('mails a reset link that sets a new password once and ends earlier sessions', async () => {
    const { account, email } = await verifiedAccount(world);
    const token = await resetLink(email);
    const now = later(5 * 60_000);
    const reset = await resetPassword(world.em(), { token, newPassword: NEW_PASSWORD }, now);
    expect(reset.id).toBe(account.id);
    expect((await stored(account.id)).sessionsValidAfter).toEqual(now);
    expect((await authenticate(world.orm, { email, password: NEW_PASSWORD })).id).toBe(account.id);
    const again = resetPassword(world.em(), { token, newPassword: 'another-Fine-pass-9' }, later(1_000, now));
    expect(await outcome(again)).toBe('RESET_LINK_INVALID');
  });

  it('refuses a reset link after 30 minutes', async () => {
    const start = new Date();
    const { email } = await verifiedAccount(world);
    const token = await resetLink(email, start);
    const expired = resetPassword(
      world.em(),
      { token, newPassword: NEW_PASSWORD },
      later(30 * 60_000, start),
    );
    expect(await outcome(expired)).toBe('RESET_LINK_INVALID');
  });

  it('refuses an unknown reset link', async () => {
    const forged = resetPassword(world.em(), { token: 'A'.repeat(43), newPassword: NEW_PASSWORD });
    expect(await outcome(forged)).toBe('RESET_LINK_INVALID');
  });

  it('keeps the link usable when the new password is refused', async () => {
    const { email } = await verifiedAccount(world);
    const token = await resetLink(email);
    expect(await outcome(resetPassword(world.em(), { token, newPassword: 'password1' }))).toBe(
      'INVALID_INPUT',
    );
    expect(await outcome(resetPassword(world.em(), { token, newPassword: NEW_PASSWORD }))).toBe('done');
  });

  it('stops an older link from working once a newer one is sent', async () => {
    const start = new Date();
    const { email } = await verifiedAccount(world);
    const first = await resetLink(email, start);
    await resetLink(email, later(61_000, start));
    const old = resetPassword(world.em(), { token: first, newPassword: NEW_PASSWORD }, later(62_000, start));
    expect(await outcome(old)).toBe('RESET_LINK_INVALID');
  });

  it('answers an unknown address like a known one and mails nothing', async () => {
    await expect(
      requestPasswordReset(world.em(), { email: 'nobody@example.com', resetUrl }),
    ).resolves.toBeUndefined();
    expect(await world.mailsTo('nobody@example.com')).toEqual([]);
  });

  it('verifies an unverified address through a reset, since the link proves the mailbox', async () => {
    const form = signUpForm();
    const { accountId } = await signUp(world.em(), form);
    const token = await resetLink(form.email, later(61_000));
    await resetPassword(world.em(), { token, newPassword: NEW_PASSWORD }, later(62_000));
    expect((await stored(accountId!)).emailVerified).toBe(true);
    const code = codeIn((await world.mailsTo(form.email))[0]);
    // The sign-up code died with the reset.
    expect(await outcome(verifyEmail(world.em(), { email: form.email, code }))).toBe('CODE_INVALID');
  });
});
