import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionPool } from '../../../adapters/db/statements.ts';
import { isAppError } from '../../../adapters/http/errors.ts';
import { Account } from '../../../idp/accounts/account.entity.ts';
import {
  authenticate,
  EmailNotVerifiedError,
  signUp,
  type Throttle,
} from '../../../idp/accounts/accounts.ts';
import { createRateLimits, type RateLimits } from '../../../idp/rate-limits/rate-limits.ts';
import {
  type AccountsWorld,
  openAccountsWorld,
  signUpForm,
  verifiedAccount,
} from '../../support/accounts-world.ts';
import { interleavedTimings } from '../../support/timing.ts';

describe('signing in with e-mail and password', () => {
  let world: AccountsWorld;
  let limits: RateLimits;
  beforeAll(async () => {
    world = await openAccountsWorld();
    limits = createRateLimits({ pool: await connectionPool(world.orm), schema: 'idp' });
  });
  afterAll(async () => {
    await world.close();
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => 'signed in',
      (e: unknown) => (isAppError(e) ? `${e.status} ${e.code}: ${e.message}` : e),
    );

  it('returns the account for the right password, whatever the case of the address', async () => {
    const { email, password, account } = await verifiedAccount(world);
    const signedIn = await authenticate(world.orm, { email: ` ${email.toUpperCase()}`, password });
    expect(signedIn.id).toBe(account.id);
  });

  it('answers a wrong password and an unknown address with the same error', async () => {
    const { email } = await verifiedAccount(world);
    const wrongPassword = await failure(authenticate(world.orm, { email, password: 'not-the-password' }));
    const unknown = await failure(authenticate(world.orm, { email: 'nobody@example.com', password: 'x' }));
    const malformed = await failure(authenticate(world.orm, { email: 'nobody', password: 'x' }));
    expect(wrongPassword).toBe('401 INVALID_CREDENTIALS: The e-mail or password is incorrect.');
    expect(unknown).toBe(wrongPassword);
    expect(malformed).toBe(wrongPassword);
  });

  it('spends as long on an unknown address as on a wrong password', async () => {
    const { email } = await verifiedAccount(world);
    const attempt = (address: string) =>
      authenticate(world.orm, { email: address, password: 'not-the-password' }).catch(() => {});
    const { ratio } = await interleavedTimings(
      5,
      () => attempt('nobody@example.com'),
      () => attempt(email),
    );
    expect(ratio).toBeGreaterThan(1 / 3);
  });

  it('sends an unverified account with the right password to verification, naming the account', async () => {
    const form = signUpForm();
    const { accountId } = await signUp(world.em(), form);
    const error = await authenticate(world.orm, { email: form.email, password: form.password }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(EmailNotVerifiedError);
    expect(isAppError(error, 'EMAIL_NOT_VERIFIED') && error.status).toBe(403);
    expect((error as EmailNotVerifiedError).accountId).toBe(accountId);
    const wrong = await failure(authenticate(world.orm, { email: form.email, password: 'not-the-password' }));
    expect(wrong).toBe('401 INVALID_CREDENTIALS: The e-mail or password is incorrect.');
  });

  it('replaces a hash made with older parameters at the next sign-in', async () => {
    const { email, password, account } = await verifiedAccount(world);
    const weak = await hash(password, { memoryCost: 4096, timeCost: 3, parallelism: 1 });
    expect(weak).toMatch(/^\$argon2id\$v=19\$m=4096,t=3,p=1\$/);
    await world.em().nativeUpdate(Account, { id: account.id }, { passwordHash: weak });
    await authenticate(world.orm, { email, password });
    const stored = await world
      .em()
      .findOneOrFail(Account, { id: account.id }, { populate: ['passwordHash'] });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('locks an address after 5 failures, even for the right password, and a success clears the count', async () => {
    const throttle: Throttle = { limits, ip: '203.0.113.7' };
    const { email, password } = await verifiedAccount(world);
    for (let i = 0; i < 4; i += 1)
      await authenticate(world.orm, { email, password: 'wrong', throttle }).catch(() => {});
    await authenticate(world.orm, { email, password, throttle });
    for (let i = 0; i < 5; i += 1)
      await authenticate(world.orm, { email, password: 'wrong', throttle }).catch(() => {});
    const locked = await failure(authenticate(world.orm, { email, password, throttle }));
    expect(locked).toBe('429 RATE_LIMITED: Too many attempts. Try again in 15 minutes.');
  });

  it("a success forgets the address's failures, not the client's; it costs one rate-limit query, two after failures", async () => {
    // The pool's queries counted (pg's, not our code): the limits' only way to the database.
    const pool = new pg.Pool({ connectionString: world.orm.config.get('clientUrl')!, max: 2 });
    let queries = 0;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    pool.query = ((...args: unknown[]) => {
      queries += 1;
      return query(...args);
    }) as typeof pool.query;
    const counted = createRateLimits({
      pool,
      schema: 'idp',
      rules: { signInByIp: { points: 10, durationSeconds: 60, blockSeconds: 60 } },
    });
    const throttle: Throttle = { limits: counted, ip: '203.0.113.9' };
    const { email, password } = await verifiedAccount(world);
    const signIn = async (address: string, secret: string) => {
      queries = 0;
      const outcome = await failure(authenticate(world.orm, { email: address, password: secret, throttle }));
      return { outcome, queries };
    };
    try {
      for (let i = 0; i < 4; i += 1) await signIn(email, 'wrong');
      expect(await signIn(email, password)).toEqual({ outcome: 'signed in', queries: 2 });
      expect(await signIn(email, password)).toEqual({ outcome: 'signed in', queries: 1 });
      // 4 more failures would have locked the address from this client (5) had the success not
      // cleared it; the client's own count goes on: 8 failures.
      for (let i = 0; i < 4; i += 1) await signIn(email, 'wrong');
      expect(await signIn(email, password)).toEqual({ outcome: 'signed in', queries: 2 });
      for (let i = 0; i < 2; i += 1) await signIn('ghost@example.com', 'wrong');
      expect((await signIn(email, password)).outcome).toBe(
        '429 RATE_LIMITED: Too many attempts. Try again in 1 minute.',
      );
    } finally {
      await pool.end();
    }
  });

  it('counts failures for unknown addresses too, so a lock does not reveal an account', async () => {
    const throttle: Throttle = { limits, ip: '203.0.113.8' };
    for (let i = 0; i < 5; i += 1) {
      await authenticate(world.orm, { email: 'ghost@example.com', password: 'x', throttle }).catch(() => {});
    }
    const locked = await failure(
      authenticate(world.orm, { email: 'ghost@example.com', password: 'x', throttle }),
    );
    expect(locked).toBe('429 RATE_LIMITED: Too many attempts. Try again in 15 minutes.');
  });
});
