import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Secret } from 'otpauth';
import { openDatabase } from '../adapters/db/database.ts';
import { Account } from '../idp/accounts/account.entity.ts';
import { hashPassword } from '../idp/accounts/password.ts';
import { type ClientRegistration, registerClient } from '../idp/clients/clients.ts';
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
  /** Password only: the password sign-ins, the people whose tokens scenarios 3 and 4 use, the portal's members. */
  readonly accounts: readonly BenchAccount[];
  /**
   * Accounts of their own for passkey sign-ins: a passkey is a second factor too, so a password
   * sign-in of these would stop at the second step. Their passkeys are added over HTTP once the IdP
   * runs (`seed-passkeys.ts`).
   */
  readonly passkeyAccounts: readonly BenchAccount[];
  /** Accounts of their own for password + authenticator app sign-ins (each code is accepted once). */
  readonly totpAccounts: readonly BenchTotpAccount[];
  readonly client: BenchClient;
}

/** How many accounts of each kind to seed. */
export interface SeedCounts {
  readonly accounts: number;
  readonly passkeyAccounts: number;
  readonly totpAccounts: number;
}

export const BENCH_REDIRECT_URI = 'https://app.bench.invalid/callback';

/** The app as registered, at the IdP and at the bare oidc-provider alike (with the same id and secret). */
export const BENCH_APP: ClientRegistration = {
  name: 'Bench App',
  redirectUris: [BENCH_REDIRECT_URI],
  firstParty: true,
  authMethod: 'client_secret_basic',
};

/**
 * Migrate the IdP's schema, insert verified accounts (hashed with the IdP's own `hashPassword`,
 * so sign-in verifies exactly what production would): password only, for passkeys, and with an
 * authenticator app set up; register one first-party app (no consent page), confidential with
 * `client_secret_basic`.
 */
export async function seedIdp(databaseUrl: string, counts: SeedCounts): Promise<Seed> {
  const orm = await openDatabase(idpSchema, { url: databaseUrl, poolMax: 4 });
  try {
    const run = randomBytes(4).toString('hex');
    const accounts = Array.from({ length: counts.accounts }, (_, i) => ({
      email: `bench.${run}.${i}@example.com`,
      password: `bench password ${run} ${i}`,
    }));
    const hashes = await Promise.all(accounts.map((a) => hashPassword(a.password)));
    const em = orm.em.fork();
    await em.insertMany(
      Account,
      accounts.map((account, i) => accountRow(account, `User ${i}`, hashes[i]!)),
    );
    // One more password and hash for the accounts with a second factor: verifying it costs what
    // any other hash costs, and hashing thousands would take minutes.
    const shared = { password: `bench password ${run} second factor` };
    const sharedHash = await hashPassword(shared.password);
    const passkeyAccounts = Array.from({ length: counts.passkeyAccounts }, (_, i) => ({
      email: `bench.${run}.passkey.${i}@example.com`,
      password: shared.password,
    }));
    await em.insertMany(
      Account,
      passkeyAccounts.map((account, i) => accountRow(account, `Passkey user ${i}`, sharedHash)),
    );
    const totpAccounts = await insertTotpAccounts(em, run, counts.totpAccounts, shared.password, sharedHash);
    const registered = await registerClient(createOidcAdapter(orm), BENCH_APP);
    return {
      accounts,
      passkeyAccounts,
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
 * 160-bit secret, confirmed, no step used yet), all with the same password and hash.
 */
async function insertTotpAccounts(
  em: EntityManager,
  run: string,
  count: number,
  password: string,
  hash: string,
) {
  const accounts = Array.from({ length: count }, (_, i) => ({
    email: `bench.${run}.totp.${i}@example.com`,
    password,
    totpSecret: new Secret({ size: 20 }).base32,
  }));
  const rows = accounts.map((account, i) => accountRow(account, `TOTP user ${i}`, hash));
  await em.insertMany(Account, rows);
  const now = new Date();
  await em.insertMany(
    AuthenticatorApp,
    accounts.map((account, i) => ({
      account: rows[i]!.id,
      secret: account.totpSecret,
      confirmedAt: now,
      lastUsedStep: null,
      createdAt: now,
    })),
  );
  return accounts;
}

function accountRow(account: BenchAccount, familyName: string, passwordHash: string) {
  const now = new Date();
  return {
    id: randomUUID(),
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
  };
}
