import { sqlMigration } from '../../adapters/db/migration.ts';

export const accounts = sqlMigration('0001-accounts', [
  `create table account (
    id uuid primary key,
    email text not null,
    email_verified boolean not null default false,
    given_name text not null,
    family_name text not null,
    birthdate date not null,
    gender text,
    password_hash text not null,
    terms_accepted_at timestamptz not null,
    sessions_valid_after timestamptz not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint account_email_normalised check (email = lower(email))
  )`,
  `create unique index account_email_key on account (email)`,
  `create table email_secret (
    id uuid primary key,
    account_id uuid not null references account (id) on delete cascade,
    purpose text not null check (purpose in ('verify-email', 'reset-password')),
    secret_hash text not null,
    attempts integer not null default 0,
    expires_at timestamptz not null,
    consumed_at timestamptz,
    created_at timestamptz not null
  )`,
  `create index email_secret_account_idx on email_secret (account_id, purpose)`,
  `create unique index email_secret_hash_key on email_secret (secret_hash)`,
]);
