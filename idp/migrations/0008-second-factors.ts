import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * Two-step verification and passkeys (J14): WebAuthn credentials, the authenticator app's TOTP
 * secret with the last time step it accepted, hashed single-use recovery codes, and the WebAuthn
 * challenges handed out, each consumed once.
 */
export const secondFactors = sqlMigration('0008-second-factors', [
  `create table passkey (
     id uuid primary key,
     account_id uuid not null references account (id) on delete cascade,
     credential_id text not null,
     public_key text not null,
     sign_count bigint not null,
     transports text not null default '',
     synced boolean not null,
     name text not null,
     created_at timestamptz not null,
     last_used_at timestamptz
   )`,
  `create unique index passkey_credential_id_key on passkey (credential_id)`,
  `create index passkey_account_idx on passkey (account_id)`,
  `create table authenticator_app (
     account_id uuid primary key references account (id) on update cascade on delete cascade,
     secret text not null,
     confirmed_at timestamptz,
     last_used_step bigint,
     created_at timestamptz not null
   )`,
  `create table recovery_code (
     id uuid primary key,
     account_id uuid not null references account (id) on delete cascade,
     code_hash text not null,
     used_at timestamptz,
     created_at timestamptz not null
   )`,
  `create unique index recovery_code_account_hash_key on recovery_code (account_id, code_hash)`,
  `create table passkey_challenge (
     challenge text primary key,
     bound_to text not null,
     expires_at timestamptz not null
   )`,
  `create index passkey_challenge_expires_idx on passkey_challenge (expires_at)`,
]);
