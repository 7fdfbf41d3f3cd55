import type { EntityManager } from '@mikro-orm/core';
import type { Database } from '../../adapters/db/database.ts';
import { query, statement } from '../../adapters/db/statements.ts';
import { AuthenticatorApp, Passkey } from './second-factor.entity.ts';

/** Which second factors an account has: a working authenticator app, passkeys. */
export interface SecondFactors {
  readonly authenticatorApp: boolean;
  readonly passkeys: number;
}

/** The account's second factors; an account with either is asked for a second step after the password. */
export async function secondFactorsOf(em: EntityManager, accountId: string): Promise<SecondFactors> {
  const fork = em.fork();
  const [app, passkeys] = await Promise.all([
    fork.count(AuthenticatorApp, { account: accountId, confirmedAt: { $ne: null } }),
    em.fork().count(Passkey, { account: accountId }),
  ]);
  return { authenticatorApp: app > 0, passkeys };
}

const COUNTS = statement(
  'idp.second-factors.of-account',
  `select exists (select 1 from idp.authenticator_app
                   where account_id = $1::uuid and confirmed_at is not null) as app,
          (select count(*)::int from idp.passkey where account_id = $1::uuid) as passkeys`,
);

/**
 * The same as `secondFactorsOf`, in one prepared statement outside any transaction: what every
 * password sign-in asks before it decides on a second step.
 */
export async function secondFactorsOfAccount(db: Database, accountId: string): Promise<SecondFactors> {
  const [row] = await query<{ app: boolean; passkeys: number }>(db, COUNTS, [accountId]);
  return { authenticatorApp: row?.app === true, passkeys: row?.passkeys ?? 0 };
}

/** True when the account has a second factor. */
export function hasSecondFactor(factors: SecondFactors): boolean {
  return factors.authenticatorApp || factors.passkeys > 0;
}
