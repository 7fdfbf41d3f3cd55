import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../adapters/http/errors.ts';
import { Account } from '../../../idp/accounts/account.entity.ts';
import { normaliseEmail, type SignUpInput, signUp } from '../../../idp/accounts/accounts.ts';
import {
  type AccountsWorld,
  codeIn,
  later,
  liveSecrets,
  openAccountsWorld,
  signUpForm,
} from '../../support/accounts-world.ts';
import { interleavedTimings } from '../../support/timing.ts';

describe('signing up', () => {
  let world: AccountsWorld;
  beforeAll(async () => {
    world = await openAccountsWorld();
  });
  afterAll(() => world.close());

  const count = () => world.em().count(Account);

  it('creates an unverified account and mails it a 6-digit code over SMTP', async () => {
    const form = signUpForm({ email: '  Grace.Hopper@Example.COM ' });
    const result = await signUp(world.em(), form);
    expect(result).toEqual({
      email: 'grace.hopper@example.com',
      verificationNeeded: true,
      accountId: expect.any(String),
    });
    const account = await world.em().findOneOrFail(Account, { email: 'grace.hopper@example.com' });
    expect(account).toMatchObject({
      emailVerified: false,
      givenName: 'Ada',
      familyName: 'Lovelace',
      gender: 'female',
    });
    expect(account.birthdate).toBe('1990-12-10');
    const [mail, ...others] = await world.mailsTo('grace.hopper@example.com');
    expect(others).toEqual([]);
    expect(mail?.subject).toBe('Your verification code');
    expect(mail?.html).toContain(codeIn(mail));
    const [secret] = await liveSecrets(world, account.id, 'verify-email');
    expect(secret?.secretHash).not.toContain(codeIn(mail));
    expect(secret!.expiresAt.getTime() - secret!.createdAt.getTime()).toBe(15 * 60_000);
  });

  it('answers a second sign-up with the same address like a first one and changes nothing', async () => {
    const first = signUpForm();
    const { accountId } = await signUp(world.em(), first);
    const before = await world
      .em()
      .findOneOrFail(Account, { id: accountId! }, { populate: ['passwordHash'] });
    const accounts = await count();

    const second = await signUp(
      world.em(),
      {
        ...first,
        email: first.email.toUpperCase(),
        givenName: 'Mallory',
      },
      later(61_000),
    );

    // Nothing a page could show differs; the hash of the password chosen is for the interaction
    // only, to set if this person proves the mailbox (account pre-hijacking).
    expect(Object.keys(second).sort()).toEqual(['email', 'passwordHash', 'verificationNeeded']);
    expect(second).toMatchObject({ email: first.email, verificationNeeded: true });
    expect(second.passwordHash).not.toBe(before.passwordHash);
    expect(await count()).toBe(accounts);
    const after = await world.em().findOneOrFail(Account, { id: accountId! }, { populate: ['passwordHash'] });
    expect(after).toMatchObject({
      givenName: 'Ada',
      passwordHash: before.passwordHash,
      emailVerified: false,
    });
    const mails = await world.mailsTo(first.email);
    expect(mails.map((m) => m.subject)).toEqual([
      'Your verification code',
      'Someone tried to create an account with your e-mail address',
    ]);
  });

  it('tells the owner of a registered address at most once a minute', async () => {
    const form = signUpForm();
    const start = new Date();
    await signUp(world.em(), form, start);
    await signUp(world.em(), form, later(61_000, start));
    await signUp(world.em(), form, later(90_000, start));
    await signUp(world.em(), form, later(200_000, start));
    const subjects = (await world.mailsTo(form.email)).map((m) => m.subject);
    expect(subjects).toEqual([
      'Your verification code',
      'Someone tried to create an account with your e-mail address',
      'Someone tried to create an account with your e-mail address',
    ]);
  });

  it('takes about as long for a registered address as for a new one', async () => {
    const registered = signUpForm();
    await signUp(world.em(), registered);
    const { ratio } = await interleavedTimings(
      5,
      () => signUp(world.em(), registered),
      () => signUp(world.em(), signUpForm()),
    );
    // Both hash the password: the registered path is not the one that skips argon2.
    expect(ratio).toBeGreaterThan(1 / 3);
  });

  const refusals: [string, Partial<SignUpInput>, string, string][] = [
    [
      'an address without @',
      { email: 'grace.example.com' },
      'email',
      'Enter an e-mail address like name@example.com.',
    ],
    [
      'an address with a space inside',
      { email: 'grace hopper@example.com' },
      'email',
      'Enter an e-mail address without spaces.',
    ],
    [
      'an address with a control character',
      { email: 'grace\u0000@example.com' },
      'email',
      'Enter an e-mail address without special characters.',
    ],
    [
      'an address of 255 characters',
      { email: `${'a'.repeat(60)}@${'b'.repeat(190)}.com` },
      'email',
      'Enter an e-mail address of at most 254 characters.',
    ],
    ['a short password', { password: 'Ab1$xyz' }, 'password', 'Use at least 8 characters.'],
    [
      'a common password',
      { password: 'Password1' },
      'password',
      'This password is too common. Choose one that is harder to guess.',
    ],
    [
      'a password made of the name',
      { password: 'Lovelace-2024!' },
      'password',
      'Do not use your name or e-mail address in your password.',
    ],
    ['an empty first name', { givenName: '   ' }, 'givenName', 'Enter your first name.'],
    [
      'a last name of 101 characters',
      { familyName: 'x'.repeat(101) },
      'familyName',
      'Use at most 100 characters.',
    ],
    [
      'a name with a line break',
      { familyName: 'Love\nlace' },
      'familyName',
      'Use letters, spaces and punctuation only.',
    ],
    [
      'a birth date in another format',
      { birthdate: '10/12/1990' },
      'birthdate',
      'Enter your birth date as YYYY-MM-DD.',
    ],
    [
      'a birth date that does not exist',
      { birthdate: '1990-02-30' },
      'birthdate',
      'Enter a date that exists.',
    ],
    [
      'a birth date in the future',
      { birthdate: '2999-01-01' },
      'birthdate',
      'Your birth date cannot be in the future.',
    ],
    ['a birth date before 1900', { birthdate: '1899-12-31' }, 'birthdate', 'Enter a birth date after 1900.'],
    [
      'a 12-year-old',
      { birthdate: `${new Date().getUTCFullYear() - 12}-01-01` },
      'birthdate',
      'You must be at least 13 years old to create an account.',
    ],
    ['an unknown gender value', { gender: 'robot' as never }, 'gender', 'Choose one of the options.'],
    [
      'terms not accepted',
      { acceptTerms: false },
      'acceptTerms',
      'Accept the Services Agreement and privacy statement.',
    ],
  ];

  it.each(refusals)(
    'refuses %s with its field message and creates nothing',
    async (_, bad, field, message) => {
      const form = signUpForm(bad);
      const accounts = await count();
      const error = await signUp(world.em(), form).catch((e: unknown) => e);
      expect(isAppError(error, 'INVALID_INPUT') && error.status).toBe(400);
      expect(isAppError(error) && error.fields[field]).toBe(message);
      expect(await count()).toBe(accounts);
    },
  );

  it('lists every bad field at once', async () => {
    const error = await signUp(
      world.em(),
      signUpForm({ email: 'x', password: 'short', birthdate: '' }),
    ).catch((e: unknown) => e);
    expect(isAppError(error) && Object.keys(error.fields).sort()).toEqual(['birthdate', 'email', 'password']);
  });

  it('creates one account when two sign-ups for one address race', async () => {
    const form = signUpForm();
    const results = await Promise.all([signUp(world.em(), form), signUp(world.em(), form)]);
    expect(results.map((r) => r.email)).toEqual([form.email, form.email]);
    expect(await world.em().count(Account, { email: form.email })).toBe(1);
  });

  it('treats an empty gender as not given', async () => {
    const { accountId } = await signUp(world.em(), signUpForm({ gender: '' }));
    expect((await world.em().findOneOrFail(Account, { id: accountId! })).gender).toBeNull();
  });

  it('stores addresses in one normalised form', () => {
    expect(normaliseEmail('  ＧＲＡＣＥ@Example.com ')).toBe('grace@example.com');
  });
});
