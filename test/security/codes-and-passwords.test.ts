import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import {
  accountRow,
  isAccountPage,
  query,
  sessionCount,
  signInAtIdp,
  signUpAtIdp,
  signUpFields,
} from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { type NewPerson, newPerson, verificationCode } from '../support/oidc-client.ts';

const WRONG_CODE = 'This code is not correct. Check the latest e-mail we sent you and try again.';
const EXPIRED_CODE = 'This code has expired. Ask for a new one.';
const TOO_MANY = 'Too many wrong codes. Ask for a new one.';
const DEAD_LINK = 'This password reset link is not valid or has expired. Ask for a new one.';
const NEW_PASSWORD = 'a brand new passphrase 5';

/**
 * The secrets mailed to a person (6-digit code, reset link) and the passwords they choose: codes
 * and links die after their time, after one use, after 5 wrong guesses; the password policy of
 * NIST SP 800-63B §5.1.1.2 holds on every form; a new password ends the other sessions.
 */
describe('verification codes, reset links and passwords', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp();
  });
  beforeEach(async () => {
    await query(idp, 'delete from idp.mail_cooldown');
  });
  afterAll(() => idp?.close());

  /** Sign up from /signup and stop at the "enter your code" page. */
  async function codePage(
    person = newPerson(),
  ): Promise<{ browser: BrowserlessClient; page: Page; code: string }> {
    const browser = browserlessClient();
    const page = await browser.submit(
      await browser.get(`${idp.issuer}/signup`),
      signUpFields(person),
      '/signup',
    );
    expect(page.html).toContain('<h1>Verify your e-mail</h1>');
    return { browser, page, code: await verificationCode(idp.smtp, person.email) };
  }

  /** Ask for a link at "Forgot password" (in `browser`) and return it from the mail. */
  async function resetLink(email: string, browser = browserlessClient()): Promise<string> {
    const sent = idp.smtp.messages.length;
    await browser.submit(await browser.get(`${idp.issuer}/forgot-password`), { email }, '/forgot-password');
    const mail = await idp.smtp.waitForMail(
      (m) => m.to === email && m.subject === 'Reset your password' && idp.smtp.messages.indexOf(m) >= sent,
    );
    return mail.links.find((l) => l.startsWith(`${idp.issuer}/reset-password?token=`))!;
  }

  /** Open the link and choose `newPassword`. */
  async function useLink(
    link: string,
    newPassword = NEW_PASSWORD,
    browser = browserlessClient(),
  ): Promise<Page> {
    return browser.submit(await browser.get(link), { newPassword }, '/reset-password');
  }

  const otherCode = (code: string, n: number) => String((Number(code) + n) % 1_000_000).padStart(6, '0');

  const secrets = (email: string, purpose: string) =>
    query<{ consumed_at: Date | null; attempts: number }>(
      idp,
      `select s.* from idp.email_secret s join idp.account a on a.id = s.account_id
        where a.email = ? and s.purpose = ? order by s.created_at`,
      [email, purpose],
    );

  describe('the 6-digit code', () => {
    it('is refused once expired, and the address stays unverified', async () => {
      const person = newPerson();
      const { browser, page, code } = await codePage(person);
      await query(
        idp,
        `update idp.email_secret set expires_at = now() - interval '1 second'
          where account_id = (select id from idp.account where email = ?)`,
        [person.email],
      );
      const refused = await browser.submit(page, { code }, '/verify');
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(EXPIRED_CODE);
      const account = await accountRow(idp, person.email);
      expect(
        (await query(idp, 'select email_verified from idp.account where id = ?', [account.id]))[0],
      ).toEqual({
        email_verified: false,
      });
      expect(await sessionCount(idp, account.id)).toBe(0);
    });

    it('works once: the same code in another browser signs nobody in', async () => {
      const person = newPerson();
      const { browser, page, code } = await codePage(person);
      expect(isAccountPage(await browser.submit(page, { code }, '/verify'))).toBe(true);

      // Someone who read the code over the person's shoulder, in their own sign-up of the address.
      const thief = browserlessClient();
      const theirs = await thief.submit(
        await thief.get(`${idp.issuer}/signup`),
        signUpFields({ ...person, password: 'the thief passphrase 3' }),
        '/signup',
      );
      expect(theirs.html).toContain('<h1>Verify your e-mail</h1>');
      const refused = await thief.submit(theirs, { code }, '/verify');
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(WRONG_CODE);
      expect(isAccountPage(await thief.get(`${idp.issuer}/account`))).toBe(false);
      expect(await sessionCount(idp, (await accountRow(idp, person.email)).id)).toBe(1);
    });

    it('dies after 5 wrong guesses: the right code is refused after, until a new one is sent', async () => {
      const person = newPerson();
      const { browser, page, code } = await codePage(person);
      const answers: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const refused = await browser.submit(page, { code: otherCode(code, i) }, '/verify');
        expect(refused.status).toBe(400);
        answers.push(
          refused.html.includes(TOO_MANY) ? 'too many' : refused.html.includes(WRONG_CODE) ? 'wrong' : '?',
        );
      }
      expect(answers).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'too many']);
      const late = await browser.submit(page, { code }, '/verify');
      expect(late.status).toBe(400);
      expect(late.html).toContain(TOO_MANY);
      expect((await secrets(person.email, 'verify-email')).map((s) => s.attempts)).toEqual([5]);
      expect(
        (await query(idp, 'select email_verified from idp.account where email = ?', [person.email]))[0],
      ).toEqual({ email_verified: false });

      // A minute later, "Send a new code": the old one stays dead, the new one works.
      await query(idp, 'delete from idp.mail_cooldown');
      const sent = idp.smtp.messages.length;
      await browser.submit(page, {}, '/resend');
      const mail = await idp.smtp.waitForMail(
        (m) => m.to === person.email && /\b\d{6}\b/.test(m.text) && idp.smtp.messages.indexOf(m) >= sent,
      );
      const fresh = /\b(\d{6})\b/.exec(mail.text)![1]!;
      if (fresh !== code) expect((await browser.submit(page, { code }, '/verify')).status).toBe(400);
      expect(isAccountPage(await browser.submit(page, { code: fresh }, '/verify'))).toBe(true);
    });
  });

  describe('an address someone else signed up with first (account pre-hijacking)', () => {
    it("the owner who verifies it gets their own password: the squatter's stops working", async () => {
      const address = newPerson();
      // The attacker signs up with the victim's address; the code goes to the victim's mailbox.
      const squatter = browserlessClient();
      const theirs = { ...address, password: 'the squatter passphrase 1' };
      await squatter.submit(await squatter.get(`${idp.issuer}/signup`), signUpFields(theirs), '/signup');
      await verificationCode(idp.smtp, address.email);
      await query(idp, 'delete from idp.mail_cooldown');

      // Later the owner signs up, gets no code, asks for one, and enters it.
      const owner = browserlessClient();
      const verify = await owner.submit(
        await owner.get(`${idp.issuer}/signup`),
        signUpFields(address),
        '/signup',
      );
      expect(verify.html).toContain('<h1>Verify your e-mail</h1>');
      await query(idp, 'delete from idp.mail_cooldown');
      const sent = idp.smtp.messages.length;
      await owner.submit(verify, {}, '/resend');
      const mail = await idp.smtp.waitForMail(
        (m) => m.to === address.email && /\b\d{6}\b/.test(m.text) && idp.smtp.messages.indexOf(m) >= sent,
      );
      const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
      expect(isAccountPage(await owner.submit(verify, { code }, '/verify'))).toBe(true);

      expect(isAccountPage(await signInAtIdp(idp, theirs))).toBe(false);
      expect(isAccountPage(await signInAtIdp(idp, address))).toBe(true);
    });
  });

  describe('the reset link', () => {
    const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

    async function expectDead(link: string, email: string): Promise<void> {
      const before = await accountRow(idp, email);
      const refused = await useLink(link, 'an attackers passphrase 8');
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(DEAD_LINK);
      expect(refused.html).not.toContain('name="newPassword"');
      expect((await accountRow(idp, email)).password_hash).toBe(before.password_hash);
    }

    it('is refused once expired, and the password stays', async () => {
      const { person } = await signUpAtIdp(idp);
      const link = await resetLink(person.email);
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
      const link = await resetLink(person.email);
      const done = await useLink(link);
      expect(done.status).toBe(200);
      expect(done.html).toContain('<h1>Password changed</h1>');
      await expectDead(link, person.email);
      expect(isAccountPage(await signInAtIdp(idp, { email: person.email, password: NEW_PASSWORD }))).toBe(
        true,
      );
    });

    it('is refused when tampered with, truncated, padded or replaced by an older one', async () => {
      const { person } = await signUpAtIdp(idp);
      const older = await resetLink(person.email);
      await query(idp, 'delete from idp.mail_cooldown');
      const link = await resetLink(person.email);
      const token = tokenOf(link);
      const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      const forged = (value: string) => `${idp.issuer}/reset-password?token=${encodeURIComponent(value)}`;
      for (const bad of [
        forged(flipped),
        forged(token.slice(0, -2)),
        forged(`${token}A`),
        forged(''),
        older,
      ]) {
        await expectDead(bad, person.email);
      }
      // The real one still works: the refusals did not use it up.
      expect((await useLink(link)).html).toContain('<h1>Password changed</h1>');
    });
  });

  describe('the password policy', () => {
    const person = (overrides: Partial<NewPerson> = {}) =>
      newPerson({ givenName: 'Grace', familyName: 'Hopper', ...overrides });

    async function signUpWith(who: NewPerson): Promise<Page> {
      const browser = browserlessClient();
      return browser.submit(await browser.get(`${idp.issuer}/signup`), signUpFields(who), '/signup');
    }

    const accountsWith = async (email: string) =>
      Number(
        (
          await query<{ n: string }>(idp, 'select count(*) as n from idp.account where email = ?', [email])
        )[0]!.n,
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
    ])(
      'refuses %s at sign-up, next to the field, and creates no account',
      async (_name, password, message) => {
        const who = person({ password });
        const refused = await signUpWith(who);
        expect(refused.status).toBe(400);
        expect(refused.html).toContain(`<small id="password-error" class="error">${message}</small>`);
        expect(await accountsWith(who.email)).toBe(0);
      },
    );

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
      const link = await resetLink(who.email);
      const reset = await useLink(link, 'Kj7$mQ2');
      expect(reset.status).toBe(400);
      expect(reset.html).toContain('Use at least 8 characters.');
      expect((await accountRow(idp, who.email)).password_hash).toBe(before.password_hash);
      // A refused password leaves the link usable.
      expect((await useLink(link)).html).toContain('<h1>Password changed</h1>');
    });
  });

  describe('a new password ends the other sessions', () => {
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
      const done = await useLink(await resetLink(person.email, third), NEW_PASSWORD, third);
      expect(done.html).toContain('<h1>Password changed</h1>');
      expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(false);
      expect(isAccountPage(await second.get(`${idp.issuer}/account`))).toBe(false);
      expect(await sessionCount(idp, (await accountRow(idp, person.email)).id)).toBe(0);
    });
  });
});
