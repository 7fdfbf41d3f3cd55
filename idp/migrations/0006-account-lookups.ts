import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * The account pages and the consent memory look provider rows up by account: a person's grants
 * per app (every sign-in), their sessions and tokens (sign out everywhere, password change).
 */
export const accountLookups = sqlMigration('0006-account-lookups', [
  `create index oidc_payload_account_idx on oidc_payload ((payload->>'accountId'), model)
     where payload ? 'accountId'`,
  `create index oidc_payload_grant_client_idx on oidc_payload ((payload->>'accountId'), (payload->>'clientId'))
     where model = 'Grant'`,
]);
