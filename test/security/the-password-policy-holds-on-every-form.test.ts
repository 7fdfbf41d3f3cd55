import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient, type Page } from '../support/browserless-client.ts';
import { accountRow, query, signUpAtIdp, signUpFields } from '../support/idp-account.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { type NewPerson, newPerson } from '../support/oidc-client.ts';
import { askForResetLink, chooseNewPassword } from '../support/password-reset.ts';
import { sharedIdp } from '../support/shared-idp.ts';

/**
 * The password policy of NIST SP 800-63B §5.1.1.2 (8 to 128 characters, not a common password, not
 * the person's name or address) at sign-up, at the password change and at the reset form.
 */
describe('the password policy holds on every form', () => {
  const shared = sharedIdp();
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = shared);
  });

  const person = (overrides: Partial<NewPerson> = {}) =>
    newPerson({ givenName: 'Grace', familyName: 'Hopper', ...overrides });

  async function signUpWith(who: NewPerson): Promise<Page> {
    const browser = browserlessClient();
    return browser.submit(await browser.get(`${idp.issuer}/signup`), signUpFields(who), '/signup');
  }

  const accountsWith = async (email: string) =>
    Number(
      (await query<{ n: string }>(idp, 'select count(*) as n from idp.account where email = ?', [email]))[0]!
        .n,
    );

  it.each([
    ['7 characters', 'Kj7$mQ2', 'Use at least 8 characters.'],
    ['129 characters', `${'Kj7$'.repeat(32)}x`, 'Use at most 128 characters.'],
    ['a common password', 'iloveyou', 'This password is too common. Choose one that is harder to guess.'],
    [
      'a common password in capitals',
      'Password1',
      'This password is too common. Choose one that is harder to guess.',
    ],
    ['the first name', 'xx-grace-2024!', 'Do not use your name or e-mail address in your password.'],
    ['the last name', 'MrsHopper#1906', 'Do not use your name or e-mail address in your password.'],
  ])('refuses %s at sign-up, next to the field, and creates no account', async (_name, password, message) => {
    const who = person({ password });
    const refused = await signUpWith(who);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain(`<small id="password-error" class="error">${message}</small>`);
    expect(await accountsWith(who.email)).toBe(0);
  });

  it('refuses a password containing the local part of the e-mail address', async () => {
    const who = person({ email: `quintessa.${Date.now()}@example.com` });
    const refused = await signUpWith({ ...who, password: `My ${who.email.split('@')[0]} pass` });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Do not use your name or e-mail address in your password.');
    expect(await accountsWith(who.email)).toBe(0);
  });

  it.each([
    ['8 characters', 'Kj7$mQ2z'],
    ['128 characters', 'Kj7$'.repeat(32)],
  ])('accepts %s', async (_name, password) => {
    const who = person({ password });
    const accepted = await signUpWith(who);
    expect(accepted.status).toBe(200);
    expect(accepted.html).toContain('<h1>Verify your e-mail</h1>');
    expect(await accountsWith(who.email)).toBe(1);
  });

  it('holds on the password change and the reset form too, changing nothing', async () => {
    const { person: who, browser, account } = await signUpAtIdp(idp);
    const before = await accountRow(idp, who.email);
    const change = await browser.submit(
      account,
      { currentPassword: who.password, newPassword: 'iloveyou' },
      '/account/password',
    );
    expect(change.status).toBe(400);
    expect(change.html).toContain('This password is too common.');
    const link = await askForResetLink(idp, who.email);
    const reset = await chooseNewPassword(link, 'Kj7$mQ2');
    expect(reset.status).toBe(400);
    expect(reset.html).toContain('Use at least 8 characters.');
    expect((await accountRow(idp, who.email)).password_hash).toBe(before.password_hash);
    // A refused password leaves the link usable.
    expect((await chooseNewPassword(link)).html).toContain('<h1>Password changed</h1>');
  });
});
