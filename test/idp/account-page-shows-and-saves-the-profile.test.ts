import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { accountRow, isAccountPage, signInAtIdp, signUpAtIdp } from '../support/idp-account.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { sharedIdp } from '../support/shared-idp.ts';

/**
 * J11: the account settings page shows the signed-in person's profile, saves a valid edit, and
 * refuses the rest (or a form sent after the session ended) without saving anything.
 */
describe('J11: the account page shows and saves the profile', () => {
  const shared = sharedIdp();
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = shared);
  });

  it('signing up at /signup lands on the account settings page, signed in, showing the profile', async () => {
    const form = await browserlessClient().get(`${idp.issuer}/signup`);
    expect(form.html).toContain('<h1>Create account</h1>');
    expect(form.html).toContain('<button type="submit">Create account</button>');

    const { person, browser, account } = await signUpAtIdp(idp);
    expect(account.url).toMatch(new RegExp(`^${idp.issuer}/account\\b`));
    expect(isAccountPage(account)).toBe(true);
    expect(account.html).toContain(`Signed in as <strong>${person.email}</strong> (verified)`);

    const again = await browser.get(`${idp.issuer}/account`);
    expect(again.url).toBe(`${idp.issuer}/account`);
    expect(again.html).toContain('value="Ada"');
    expect(again.html).toContain('value="Lovelace"');
    expect(again.html).toContain('value="1985-12-10"');
    expect(again.html).toContain('<option value="">Prefer not to say</option>');
  });

  it('shows a signed-out visitor the sign-in page instead of an account', async () => {
    const page = await browserlessClient().get(`${idp.issuer}/account`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Sign in</h1>');
    expect(page.html).toContain('Sign up now');
    expect(page.html).not.toContain('Your account');
  });

  it('saves an edited profile and shows it', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const saved = await browser.submit(
      account,
      { givenName: 'Augusta Ada', familyName: 'King', birthdate: '1986-01-02', gender: 'female' },
      '/account/profile',
    );
    expect(saved.url).toBe(`${idp.issuer}/account?done=profile`);
    expect(saved.html).toContain('Your profile is saved.');
    expect(saved.html).toContain('value="Augusta Ada"');
    expect(saved.html).toContain('<option value="female" selected>');

    const row = await accountRow(idp, person.email);
    expect(row).toMatchObject({ given_name: 'Augusta Ada', family_name: 'King', gender: 'female' });
    expect(isoDate(row.birthdate)).toBe('1986-01-02');
  });

  it('refuses a bad birth date or an empty name next to the field, and saves nothing', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const before = await accountRow(idp, person.email);

    const refused = await browser.submit(
      account,
      { givenName: '   ', familyName: 'King', birthdate: '1986-02-30', gender: 'male' },
      '/account/profile',
    );
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Some fields need your attention.');
    expect(refused.html).toContain(
      '<small id="givenName-error" class="error">Enter your first name.</small>',
    );
    expect(refused.html).toContain(
      '<small id="birthdate-error" class="error">Enter a date that exists.</small>',
    );
    // What the person typed is kept, so they only fix what is wrong.
    expect(refused.html).toContain('value="King"');

    const notADate = await browser.submit(
      account,
      { givenName: 'Ada', familyName: 'Lovelace', birthdate: 'next tuesday', gender: '' },
      '/account/profile',
    );
    expect(notADate.status).toBe(400);
    expect(notADate.html).toContain('Enter your birth date as YYYY-MM-DD.');

    const future = await browser.submit(
      account,
      { givenName: 'Ada', familyName: 'Lovelace', birthdate: '2999-01-01', gender: '' },
      '/account/profile',
    );
    expect(future.html).toContain('Your birth date cannot be in the future.');

    const gender = await browser.submit(
      account,
      { givenName: 'Ada', familyName: 'Lovelace', birthdate: '1985-12-10', gender: 'robot' },
      '/account/profile',
    );
    expect(gender.status).toBe(400);
    expect(gender.html).toContain(
      '<small id="gender-error" class="error">Choose one of the options.</small>',
    );

    expect(await accountRow(idp, person.email)).toEqual(before);
  });

  it('asks to sign in again, and saves nothing, when a form is sent after the session ended', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const other = browserlessClient();
    const otherAccount = await signInAtIdp(idp, person, other);
    await other.submit(otherAccount, {}, '/account/sign-out-everywhere');
    const before = await accountRow(idp, person.email);

    const late = await browser.submit(
      account,
      { givenName: 'Late', familyName: 'Edit', birthdate: '1985-12-10', gender: '' },
      '/account/profile',
    );
    expect(late.status).toBe(401);
    expect(late.html).toContain('Your session has ended. Sign in again to continue.');
    const password = await browser.submit(
      account,
      { currentPassword: person.password, newPassword: 'a brand new passphrase 7' },
      '/account/password',
    );
    expect(password.status).toBe(401);
    expect(await accountRow(idp, person.email)).toEqual(before);
  });
});

function isoDate(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString().slice(0, 10);
}
