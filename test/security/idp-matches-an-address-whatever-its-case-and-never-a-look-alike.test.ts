import { beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../support/browserless-client.ts';
import { isAccountPage, query, signInAtIdp, signUpAtIdp, signUpFields } from '../support/idp-account.ts';
import { idpHostileClient } from '../support/idp-hostile-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson, verificationCode } from '../support/oidc-client.ts';

/**
 * E-mail addresses at the IdP (OWASP ASVS 5.0 V2): the same account whatever the case or width the
 * address is typed in; a look-alike (homoglyph) domain another address that never matches the real
 * one; NUL, control and invisible characters refused at sign-up and never reaching an account.
 */
describe('the IdP matches an address whatever its case, and never a look-alike', () => {
  const hostile = idpHostileClient();
  const { everything } = hostile;
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = hostile);
  });

  it('finds the same account whatever the case or width the address is typed in', async () => {
    const id = Date.now().toString(36);
    const person = newPerson({ email: `Grace.Hopper.${id}@Example.COM` });
    const stored = `grace.hopper.${id}@example.com`;
    const browser = browserlessClient();
    const verify = await browser.submit(
      await browser.get(`${idp.issuer}/signup`),
      signUpFields(person),
      '/signup',
    );
    expect(verify.html).toContain(`<strong>${stored}</strong>`);
    const code = await verificationCode(idp.smtp, stored);
    expect(isAccountPage(await browser.submit(verify, { code }, '/verify'))).toBe(true);
    for (const typed of [
      stored,
      stored.toUpperCase(),
      ` ${stored} `,
      `ｇｒａｃｅ.hopper.${id}＠example.com`,
    ]) {
      const page = await signInAtIdp(idp, { email: typed, password: person.password });
      expect(isAccountPage(page), typed).toBe(true);
    }
    // Signing up again in other capitals is the same address: no second account.
    const again = browserlessClient();
    await again.submit(
      await again.get(`${idp.issuer}/signup`),
      signUpFields({ ...person, email: stored.toUpperCase(), password: 'another passphrase 77' }),
      '/signup',
    );
    const rows = await query(idp, 'select id from idp.account where lower(email) = ?', [stored]);
    expect(rows).toHaveLength(1);
  });

  it('treats a homoglyph domain (Cyrillic а in exаmple.com) as another address that never matches the real one', async () => {
    const id = Date.now().toString(36);
    const latin = `lin.${id}@example.com`;
    const cyrillic = `lin.${id}@ex\u0430mple.com`;
    const owner = await signUpAtIdp(idp, newPerson({ email: latin }));
    const mailsToOwner = () => idp.smtp.messages.filter((m) => m.to === latin).length;
    const known = mailsToOwner();

    const impostor = browserlessClient();
    const signUp = await impostor.submit(
      await impostor.get(`${idp.issuer}/signup`),
      signUpFields(newPerson({ email: cyrillic, password: 'impostor passphrase 12' })),
      '/signup',
    );
    expect(signUp.html).toContain('<h1>Verify your e-mail</h1>');
    const rows = await query<{ email: string; email_verified: boolean }>(
      idp,
      'select email, email_verified from idp.account where email in (?, ?) order by email',
      [latin, cyrillic],
    );
    expect(rows).toEqual([
      { email: latin, email_verified: true },
      { email: cyrillic, email_verified: false },
    ]);
    const queued = await query<{ to: string }>(idp, `select "to" from idp.outbox_mail where "to" in (?, ?)`, [
      latin,
      cyrillic,
    ]);
    expect(queued.filter((m) => m.to === cyrillic).length).toBe(1);

    for (const [email, password] of [
      [cyrillic, owner.person.password],
      [latin, 'impostor passphrase 12'],
    ] as const) {
      const refused = await signInAtIdp(idp, { email, password });
      expect(refused.status, email).toBe(401);
    }
    expect(mailsToOwner()).toBe(known);
  });

  it.each([
    ['NUL', 'nul\u0000@example.com'],
    ['CR LF and a Bcc header', 'crlf@example.com\r\nBcc: spy@evil.example'],
    ['a tab', 'tab\t@example.com'],
    ['a zero-width space', 'zero\u200bwidth@example.com'],
    ['a right-to-left override', 'rtl\u202emoc.elpmaxe@example.com'],
    ['a soft hyphen', 'soft\u00adhyphen@example.com'],
  ])('refuses an address with %s at sign-up and never signs it in', async (_name, email) => {
    const before = await everything();
    const browser = browserlessClient();
    const refused = await browser.submit(
      await browser.get(`${idp.issuer}/signup`),
      signUpFields(newPerson({ email })),
      '/signup',
    );
    expect(refused.status).toBe(400);
    expect(refused.html).toMatch(
      /<small id="email-error" class="error">Enter an e-mail address (without|like)/,
    );
    expect(await everything()).toEqual(before);
    const signIn = await signInAtIdp(idp, { email, password: 'whatever passphrase 1' });
    expect(signIn.status).toBe(401);
  });

  it('never lets NUL or a control character in an address reach an existing account', async () => {
    const { person } = await signUpAtIdp(idp);
    const [local, domain] = person.email.split('@');
    for (const typed of [`${person.email}\u0000`, `${local}\u0000@${domain}`, `${person.email}\u200b`]) {
      const refused = await signInAtIdp(idp, { email: typed, password: person.password });
      expect(refused.status, JSON.stringify(typed)).toBe(401);
    }
  });
});
