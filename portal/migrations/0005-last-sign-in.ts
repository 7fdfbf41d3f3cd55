import { sqlMigration } from '../../adapters/db/migration.ts';

/** J19: when each professional last signed in to the portal (never, for one not yet claimed). */
export const lastSignIn = sqlMigration('0005-last-sign-in', [
  `alter table professional add column last_sign_in_at timestamptz`,
]);
