import type { MigrationObject } from '@mikro-orm/core';
import { outboxMigration } from '../../adapters/mail/outbox-migration.ts';
import { accounts } from './0001-accounts.ts';
import { oidcStore } from './0002-oidc-store.ts';
import { rateLimits } from './0004-rate-limits.ts';
import { signingKeys } from './0005-signing-keys.ts';
import { accountLookups } from './0006-account-lookups.ts';
import { backchannelLogouts } from './0007-backchannel-logouts.ts';
import { secondFactors } from './0008-second-factors.ts';

/** Every committed IdP migration, in order. Never edit one that has shipped: add another. */
export const idpMigrations: readonly MigrationObject[] = [
  accounts,
  oidcStore,
  outboxMigration,
  rateLimits,
  signingKeys,
  accountLookups,
  backchannelLogouts,
  secondFactors,
];
