import { beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import {
  accountRow,
  isAccountPage,
  query,
  sessionCount,
  signInAtIdp,
  signUpFields,
} from '../support/idp-account.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson, verificationCode } from '../support/oidc-client.ts';
import { sharedIdp } from '../support/shared-idp.ts';

const WRONG_CODE = 'This code is not correct. Check the latest e-mail we sent you and try again.';
const EXPIRED_CODE = 'This code has expired. Ask for a new one.';
const TOO_MANY = 'Too many wrong codes. Ask for a new one.';

/**
 * The 6-digit code mailed to verify an address: it dies after its time, after one use and after 5
 * wrong guesses; and whoever signed up with the address first, the owner who verifies it gets their
 * own password (account pre-hijacking).
 */
describe('a verification code works once, in time, for the owner of the address', () => {
  const shared = sharedIdp();
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = shared);
  });

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
});
