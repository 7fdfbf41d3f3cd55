import { sqlMigration } from '../../adapters/db/migration.ts';

/** J15: an organization may require two-step verification (or a passkey) of its members. */
export const twoStepPolicy = sqlMigration('0003-two-step-policy', [
  `alter table organization add column requires_two_step boolean not null default false`,
]);
