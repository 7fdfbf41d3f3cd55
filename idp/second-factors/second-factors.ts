import type { EntityManager } from '@mikro-orm/core';
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

/** True when the account has a second factor. */
export function hasSecondFactor(factors: SecondFactors): boolean {
  return factors.authenticatorApp || factors.passkeys > 0;
}
