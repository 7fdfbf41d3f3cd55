import { sqlMigration } from '../../adapters/db/migration.ts';

export const signingKeys = sqlMigration('0005-signing-keys', [
  `create table signing_key (
    kid text primary key,
    jwk jsonb not null,
    created_at timestamptz not null,
    retired_at timestamptz
  )`,
  `create table server_secret (
    name text primary key,
    value text not null
  )`,
]);
