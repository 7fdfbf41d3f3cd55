import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Secret } from 'otpauth';
import { openDatabase } from '../adapters/db/database.ts';
import { Account } from '../idp/accounts/account.entity.ts';
import { hashPassword } from '../idp/accounts/password.ts';
import { registerClient } from '../idp/clients/clients.ts';
import { idpSchema } from '../idp/schema.ts';
import { AuthenticatorApp } from '../idp/second-factors/second-factor.entity.ts';
import { createOidcAdapter } from '../idp/storage/oidc-adapter.ts';

/** A verified account the virtual users sign in with. */
export interface BenchAccount {
  readonly email: string;
  readonly password: string;
}

/** The app the virtual users sign in to, as registered at the IdP. */
export interface BenchClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

/** An account with a password and a working authenticator app whose secret (base32) the bench knows. */
export interface BenchTotpAccount extends BenchAccount {
  readonly totpSecret: string;
}

export interface Seed {
  readonly accounts: readonly BenchAccount[];
  /** Accounts of their own for password + authenticator app sign-ins (each code is accepted once). */
  readonly totpAccounts: readonly BenchTotpAccount[];
  readonly client: BenchClient;
}

export const BENCH_REDIRECT_URI = 'https://app.bench.invalid/callback';

/**
 * Migrate the IdP's schema, insert `count` verified accounts (hashed with the IdP's own
 * `hashPassword`, so sign-in verifies exactly what production would), `totpCount` more with an
 * authenticator app set up, and register one first-party app (no consent page), confidential with
 * `client_secret_basic`.
 */
export async function seedIdp(databaseUrl: string, count: number, totpCount: number): Promise<Seed> {
  const orm = await openDatabase(idpSchema, { url: databaseUrl, poolMax: 4 });
  try {
    const run = randomBytes(4).toString('hex');
    const accounts = Array.from({ length: count }, (_, i) => ({
      email: `bench.${run}.${i}@example.com`,
      password: `bench password ${run} ${i}`,
    }));
    const hashes = await Promise.all(accounts.map((a) => hashPassword(a.password)));
    const em = orm.em.fork();
    for (const [i, account] of accounts.entries()) insertAccount(em, account, `User ${i}`, hashes[i]!);
    const totpAccounts = await insertTotpAccounts(em, run, totpCount);
    await em.flush();
    const registered = await registerClient(createOidcAdapter(orm), {
      name: 'Bench App',
      redirectUris: [BENCH_REDIRECT_URI],
      firstParty: true,
      authMethod: 'client_secret_basic',
    });
    return {
      accounts,
      totpAccounts,
      client: {
        clientId: registered.client_id,
        clientSecret: registered.client_secret,
        redirectUri: BENCH_REDIRECT_URI,
      },
    };
  } finally {
    await orm.close(true);
  }
}

/**
 * Accounts with an authenticator app, its row as `confirmAuthenticatorApp` leaves it (a fresh
 * 160-bit secret, confirmed, no step used yet). They share one password and its argon2id hash:
 * verifying it costs what any other hash costs, and hashing thousands would take minutes.
 */
async function insertTotpAccounts(em: EntityManager, run: string, count: number) {
  const password = `bench password ${run} totp`;
  const hash = await hashPassword(password);
  return Array.from({ length: count }, (_, i) => {
    const account = { email: `bench.${run}.totp.${i}@example.com`, password };
    const id = insertAccount(em, account, `TOTP user ${i}`, hash);
    const totpSecret = new Secret({ size: 20 }).base32;
    em.create(AuthenticatorApp, {
      account: id,
      secret: totpSecret,
      confirmedAt: new Date(),
      lastUsedStep: null,
    });
    return { ...account, totpSecret };
  });
}

function insertAccount(em: EntityManager, account: BenchAccount, familyName: string, passwordHash: string) {
  const now = new Date();
  const id = randomUUID();
  em.create(Account, {
    id,
    email: account.email,
    emailVerified: true,
    givenName: 'Bench',
    familyName,
    birthdate: '1990-01-01',
    passwordHash,
    termsAcceptedAt: now,
    sessionsValidAfter: new Date('2000-01-01T00:00:00Z'),
    createdAt: now,
    updatedAt: now,
  });
  return id;
}
