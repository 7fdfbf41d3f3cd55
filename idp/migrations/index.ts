import type { MigrationObject } from '@mikro-orm/core';
import { accounts } from './0001-accounts.ts';

/** Every committed IdP migration, in order. Never edit one that has shipped: add another. */
export const idpMigrations: readonly MigrationObject[] = [accounts];
