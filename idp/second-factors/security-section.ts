import type { EntityManager } from '@mikro-orm/core';
import { listPasskeys } from './passkeys.ts';
import { recoveryCodesLeft } from './recovery-codes.ts';
import { secondFactorsOf } from './second-factors.ts';

/** What the account page's Security section shows. */
export interface SecuritySection {
  readonly passkeys: readonly { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }[];
  readonly authenticatorApp: boolean;
  readonly recoveryCodesLeft: number;
}

/** The account's passkeys, authenticator app and recovery codes, for the Security section. */
export async function securitySection(em: EntityManager, accountId: string): Promise<SecuritySection> {
  const [passkeys, factors, left] = await Promise.all([
    listPasskeys(em, accountId),
    secondFactorsOf(em, accountId),
    recoveryCodesLeft(em, accountId),
  ]);
  return {
    passkeys: passkeys.map(({ id, name, createdAt, lastUsedAt }) => ({
      id,
      name,
      createdAt,
      lastUsedAt: lastUsedAt ?? null,
    })),
    authenticatorApp: factors.authenticatorApp,
    recoveryCodesLeft: left,
  };
}

/** The notice after a Security change, by the `done` the change redirected with. */
export const SECURITY_NOTICES: Readonly<Record<string, string>> = {
  'passkey-added': 'Your passkey is added. You can sign in with it.',
  'passkey-renamed': 'Your passkey is renamed.',
  'passkey-removed': 'The passkey is removed.',
  'authenticator-app-added': 'Your authenticator app is set up. Signing in now asks for a code from it.',
  'authenticator-app-removed': 'The authenticator app is removed.',
  'authenticator-app-exists': 'An authenticator app is set up already. Remove it first to set up another.',
};
