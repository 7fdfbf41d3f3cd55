import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * Storage for every oidc-provider model (sessions, tokens, codes, interactions, grants…) in one
 * table keyed by (model, id). The payload stays opaque jsonb because oidc-provider adds fields
 * between versions; only the columns the adapter looks rows up by are lifted out of it.
 */
export const oidcStore = sqlMigration('0002-oidc-store', [
  `create table oidc_payload (
    model text not null,
    id text not null,
    payload jsonb not null,
    grant_id text,
    user_code text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    primary key (model, id)
  )`,
  // Partial indexes: most models carry none of these, so the indexes stay small.
  `create index oidc_payload_grant_id_idx on oidc_payload (grant_id) where grant_id is not null`,
  `create index oidc_payload_uid_idx on oidc_payload (model, uid) where uid is not null`,
  `create index oidc_payload_user_code_idx on oidc_payload (model, user_code) where user_code is not null`,
  `create index oidc_payload_expires_at_idx on oidc_payload (expires_at) where expires_at is not null`,
]);
