import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../adapters/http/errors.ts';
import { Account } from '../../../idp/accounts/account.entity.ts';
import { resendVerification, signUp, verifyEmail } from '../../../idp/accounts/accounts.ts';
import { RetryLaterError } from '../../../idp/rate-limits/retry-later-error.ts';
import {
  type AccountsWorld,
  codeIn,
  later,
  openAccountsWorld,
  signUpForm,
  verifiedAccount,
} from '../../support/accounts-world.ts';

describe('verifying an e-mail address', () => {
  let world: AccountsWorld;
  beforeAll(async () => {
    world = await openAccountsWorld();
  });
  afterAll(() => world.close());

  async function signedUp(now = new Date()) {
    const { email } = await signUp(world.em(), signUpForm(), now);
    return { email, code: codeIn((await world.mailsTo(email)).at(-1)) };
  }
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (e: unknown) => (isAppError(e) ? e.code : e),
    );
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  it('marks the account verified with the right code and uses the code up', async () => {
    const { email, code } = await signedUp();
    const account = await verifyEmail(world.em(), {
      email: email.toUpperCase(),
      code: ` ${code.slice(0, 3)} ${code.slice(3)} `,
    });
    expect(account.emailVerified).toBe(true);
    expect((await world.em().findOneOrFail(Account, { email })).emailVerified).toBe(true);
    expect(await refusal(verifyEmail(world.em(), { email, code }))).toBe('CODE_INVALID');
  });

  it('refuses a wrong code and leaves the account unverified', async () => {
    const { email, code } = await signedUp();
    const error = await verifyEmail(world.em(), { email, code: wrong(code) }).catch((e: unknown) => e);
    expect(isAppError(error, 'CODE_INVALID') && error.status).toBe(400);
    expect((await world.em().findOneOrFail(Account, { email })).emailVerified).toBe(false);
  });

  it('kills the code after 5 wrong attempts, even for the right code afterwards', async () => {
    const { email, code } = await signedUp();
    const answers = [];
    for (let i = 0; i < 5; i += 1)
      answers.push(await refusal(verifyEmail(world.em(), { email, code: wrong(code) })));
    expect(answers).toEqual([
      'CODE_INVALID',
      'CODE_INVALID',
      'CODE_INVALID',
      'CODE_INVALID',
      'CODE_ATTEMPTS_EXCEEDED',
    ]);
    expect(await refusal(verifyEmail(world.em(), { email, code }))).toBe('CODE_ATTEMPTS_EXCEEDED');
  });

  it('counts parallel wrong guesses one by one', async () => {
    const { email, code } = await signedUp();
    const guesses = Array.from({ length: 8 }, () =>
      refusal(verifyEmail(world.em(), { email, code: wrong(code) })),
    );
    const answers = await Promise.all(guesses);
    expect(answers.filter((a) => a === 'CODE_INVALID')).toHaveLength(4);
    expect(await refusal(verifyEmail(world.em(), { email, code }))).toBe('CODE_ATTEMPTS_EXCEEDED');
  });

  it('refuses the right code after 15 minutes', async () => {
    const start = new Date();
    const { email, code } = await signedUp(start);
    expect(await refusal(verifyEmail(world.em(), { email, code }, later(15 * 60_000, start)))).toBe(
      'CODE_EXPIRED',
    );
    expect((await world.em().findOneOrFail(Account, { email })).emailVerified).toBe(false);
  });

  it('answers an unknown address like a wrong code', async () => {
    expect(await refusal(verifyEmail(world.em(), { email: 'nobody@example.com', code: '123456' }))).toBe(
      'CODE_INVALID',
    );
    expect(await refusal(verifyEmail(world.em(), { email: 'not an address', code: '123456' }))).toBe(
      'CODE_INVALID',
    );
  });

  it('sends a new code that replaces the old one, once the minute is over', async () => {
    const start = new Date();
    const { email, code: first } = await signedUp(start);
    await resendVerification(world.em(), { email }, later(61_000, start));
    const mails = await world.mailsTo(email);
    expect(mails).toHaveLength(2);
    const second = codeIn(mails[1]);
    const when = later(62_000, start);
    if (first !== second)
      expect(await refusal(verifyEmail(world.em(), { email, code: first }, when))).toBe('CODE_INVALID');
    expect((await verifyEmail(world.em(), { email, code: second }, when)).emailVerified).toBe(true);
  });

  it('refuses a resend within a minute of the last code and says how long to wait', async () => {
    const start = new Date();
    const { email } = await signedUp(start);
    const error = await resendVerification(world.em(), { email }, later(20_000, start)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(isAppError(error, 'RESEND_COOLDOWN') && error.status).toBe(429);
    expect((error as RetryLaterError).retryAfterSeconds).toBe(40);
    expect((error as Error).message).toBe('Please wait 40 seconds before asking for another code.');
    expect(await world.mailsTo(email)).toHaveLength(1);
  });

  it('answers a resend for unknown and verified addresses like any other, and mails nothing', async () => {
    const { email: verified } = await verifiedAccount(world);
    const before = (await world.mailsTo(verified)).length;
    const unknown = 'nobody.at.all@example.com';
    for (const email of [verified, unknown]) {
      const start = later(120_000);
      await expect(resendVerification(world.em(), { email }, start)).resolves.toBeUndefined();
      const again = await resendVerification(world.em(), { email }, later(1_000, start)).catch(
        (e: unknown) => e,
      );
      expect(isAppError(again, 'RESEND_COOLDOWN')).toBe(true);
    }
    expect(await world.mailsTo(verified)).toHaveLength(before);
    expect(await world.mailsTo(unknown)).toHaveLength(0);
  });
});
