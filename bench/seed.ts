import { randomBytes, randomUUID } from 'node:crypto';
import { openDatabase } from '../adapters/db/database.ts';
import { Account } from '../idp/accounts/account.entity.ts';
import { hashPassword } from '../idp/accounts/password.ts';
import { registerClient } from '../idp/clients/clients.ts';
import { idpSchema } from '../idp/schema.ts';
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

export interface Seed {
  readonly accounts: readonly BenchAccount[];
  readonly client: BenchClient;
}

export const BENCH_REDIRECT_URI = 'https://app.bench.invalid/callback';

/**
 * Migrate the IdP's schema, insert `count` verified accounts (hashed with the IdP's own
 * `hashPassword`, so sign-in verifies exactly what production would) and register one
 * first-party app (no consent page), confidential with `client_secret_basic`.
 */
export async function seedIdp(databaseUrl: string, count: number): Promise<Seed> {
  const orm = await openDatabase(idpSchema, { url: databaseUrl, poolMax: 4 });
  try {
    const run = randomBytes(4).toString('hex');
    const accounts = Array.from({ length: count }, (_, i) => ({
      email: `bench.${run}.${i}@example.com`,
      password: `bench password ${run} ${i}`,
    }));
    const hashes = await Promise.all(accounts.map((a) => hashPassword(a.password)));
    const em = orm.em.fork();
    const now = new Date();
    for (const [i, account] of accounts.entries()) {
      em.create(Account, {
        id: randomUUID(),
        email: account.email,
        emailVerified: true,
        givenName: 'Bench',
        familyName: `User ${i}`,
        birthdate: '1990-01-01',
        passwordHash: hashes[i]!,
        termsAcceptedAt: now,
        sessionsValidAfter: new Date('2000-01-01T00:00:00Z'),
        createdAt: now,
        updatedAt: now,
      });
    }
    await em.flush();
    const registered = await registerClient(createOidcAdapter(orm), {
      name: 'Bench App',
      redirectUris: [BENCH_REDIRECT_URI],
      firstParty: true,
      authMethod: 'client_secret_basic',
    });
    return {
      accounts,
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
