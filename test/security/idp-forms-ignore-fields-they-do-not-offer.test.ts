import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { accountRow, isAccountPage, query, signUpAtIdp, signUpFields } from '../support/idp-account.ts';
import { idpHostileClient } from '../support/idp-hostile-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';

/**
 * Mass assignment at the IdP (OWASP ASVS 5.0 V15): fields the profile and sign-up forms do not offer
 * (e-mail, verification, id, password hash, session cut-off) are ignored.
 */
describe('IdP forms ignore the fields they do not offer', () => {
  const hostile = idpHostileClient();
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = hostile);
  });

  it('ignores e-mail, verification, id and password fields added to the profile and sign-up forms', async () => {
    const { browser, account, person } = await signUpAtIdp(idp);
    const before = await accountRow(idp, person.email);
    const extra = {
      email: 'attacker@evil.example',
      emailVerified: 'false',
      email_verified: 'false',
      id: '00000000-0000-4000-8000-000000000000',
      passwordHash: 'x',
      password_hash: 'x',
      sessionsValidAfter: '2000-01-01',
    };
    const saved = await browser.submit(
      account,
      { givenName: 'Ada', familyName: 'Byron', birthdate: '1985-12-10', gender: '', ...extra },
      '/account/profile',
    );
    expect(isAccountPage(saved)).toBe(true);
    const after = await accountRow(idp, person.email);
    expect(after).toMatchObject({
      id: before.id,
      family_name: 'Byron',
      password_hash: before.password_hash,
      sessions_valid_after: before.sessions_valid_after,
    });
    expect(await query(idp, 'select id from idp.account where email = ?', [extra.email])).toEqual([]);

    // At sign-up, an "already verified" field does not skip the code.
    const newcomer = newPerson();
    const signUp = browserlessClient();
    const page = await signUp.submit(
      await signUp.get(`${idp.issuer}/signup`),
      { ...signUpFields(newcomer), emailVerified: 'true', email_verified: 'true', id: extra.id },
      '/signup',
    );
    expect(page.html).toContain('<h1>Verify your e-mail</h1>');
    expect(
      await query(idp, 'select id, email_verified from idp.account where email = ?', [newcomer.email]),
    ).toEqual([{ id: expect.not.stringMatching(extra.id), email_verified: false }]);
  });
});
