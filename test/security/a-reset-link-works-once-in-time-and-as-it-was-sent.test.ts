import { beforeAll, describe, expect, it } from 'vitest';
import { accountRow, isAccountPage, query, signInAtIdp, signUpAtIdp } from '../support/idp-account.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { askForResetLink, chooseNewPassword, NEW_PASSWORD } from '../support/password-reset.ts';
import { sharedIdp } from '../support/shared-idp.ts';

const DEAD_LINK = 'This password reset link is not valid or has expired. Ask for a new one.';

/**
 * The password reset link mailed at "Forgot password": it dies after its time and after one use,
 * and a tampered, truncated, padded or older one is refused.
 */
describe('a reset link works once, in time, and only as it was sent', () => {
  const shared = sharedIdp();
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = shared);
  });

  const resetTokenOf = (link: string) => new URL(link).searchParams.get('token')!;

  async function expectDead(link: string, email: string): Promise<void> {
    const before = await accountRow(idp, email);
    const refused = await chooseNewPassword(link, 'an attackers passphrase 8');
    expect(refused.status).toBe(400);
    expect(refused.html).toContain(DEAD_LINK);
    expect(refused.html).not.toContain('name="newPassword"');
    expect((await accountRow(idp, email)).password_hash).toBe(before.password_hash);
  }

  it('is refused once expired, and the password stays', async () => {
    const { person } = await signUpAtIdp(idp);
    const link = await askForResetLink(idp, person.email);
    await query(
      idp,
      `update idp.email_secret set expires_at = now() - interval '1 second' where purpose = 'reset-password'
        and account_id = (select id from idp.account where email = ?)`,
      [person.email],
    );
    await expectDead(link, person.email);
    expect(isAccountPage(await signInAtIdp(idp, person))).toBe(true);
  });

  it('works once: a second use is refused and keeps the first new password', async () => {
    const { person } = await signUpAtIdp(idp);
    const link = await askForResetLink(idp, person.email);
    const done = await chooseNewPassword(link);
    expect(done.status).toBe(200);
    expect(done.html).toContain('<h1>Password changed</h1>');
    await expectDead(link, person.email);
    expect(isAccountPage(await signInAtIdp(idp, { email: person.email, password: NEW_PASSWORD }))).toBe(true);
  });

  it('is refused when tampered with, truncated, padded or replaced by an older one', async () => {
    const { person } = await signUpAtIdp(idp);
    const older = await askForResetLink(idp, person.email);
    await query(idp, 'delete from idp.mail_cooldown');
    const link = await askForResetLink(idp, person.email);
    const token = resetTokenOf(link);
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const forged = (value: string) => `${idp.issuer}/reset-password?token=${encodeURIComponent(value)}`;
    for (const bad of [forged(flipped), forged(token.slice(0, -2)), forged(`${token}A`), forged(''), older]) {
      await expectDead(bad, person.email);
    }
    // The real one still works: the refusals did not use it up.
    expect((await chooseNewPassword(link)).html).toContain('<h1>Password changed</h1>');
  });
});
