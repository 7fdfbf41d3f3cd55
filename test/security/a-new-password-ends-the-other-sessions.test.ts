import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { accountRow, isAccountPage, sessionCount, signInAtIdp, signUpAtIdp } from '../support/idp-account.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { askForResetLink, chooseNewPassword, NEW_PASSWORD } from '../support/password-reset.ts';
import { sharedIdp } from '../support/shared-idp.ts';

/** A changed password signs out the person's other browsers; a reset one signs out every browser. */
describe('a new password ends the other sessions', () => {
  const shared = sharedIdp();
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = shared);
  });

  it('a password change signs out the second browser, not the one that changed it', async () => {
    const { person, browser, account } = await signUpAtIdp(idp);
    const second = browserlessClient();
    expect(isAccountPage(await signInAtIdp(idp, person, second))).toBe(true);
    const changed = await browser.submit(
      account,
      { currentPassword: person.password, newPassword: NEW_PASSWORD },
      '/account/password',
    );
    expect(isAccountPage(changed)).toBe(true);
    expect(isAccountPage(await second.get(`${idp.issuer}/account`))).toBe(false);
    expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(true);
    expect(await sessionCount(idp, (await accountRow(idp, person.email)).id)).toBe(1);
    expect(isAccountPage(await signInAtIdp(idp, person))).toBe(false);
  });

  it('a password reset signs out every browser', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const second = browserlessClient();
    expect(isAccountPage(await signInAtIdp(idp, person, second))).toBe(true);
    const third = browserlessClient();
    const done = await chooseNewPassword(
      await askForResetLink(idp, person.email, third),
      NEW_PASSWORD,
      third,
    );
    expect(done.html).toContain('<h1>Password changed</h1>');
    expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(false);
    expect(isAccountPage(await second.get(`${idp.issuer}/account`))).toBe(false);
    expect(await sessionCount(idp, (await accountRow(idp, person.email)).id)).toBe(0);
  });
});
