import { sqlMigration } from '../../adapters/db/migration.ts';

export const accounts = sqlMigration('0001-accounts', [
  `create table account (
    id uuid primary key,
    email text not null,
    email_verified boolean not null default false,
    given_name text not null,
    family_name text not null,
    birthdate date not null,
    gender text check (gender in ('female', 'male', 'other')),
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
  // Reset tokens are 256-bit and looked up by hash. Verification codes are only 6 digits, so two
  // accounts may hold the same one: they are salted and found through their account instead.
  `create unique index email_secret_reset_hash_key on email_secret (secret_hash)
    where purpose = 'reset-password'`,
  // One row per address and purpose while a mail to it is cooling down; keyed by SHA-256 so
  // addresses nobody registered leave no trace.
  `create table mail_cooldown (
    address_hash text not null,
    purpose text not null,
    sent_at timestamptz not null,
    primary key (address_hash, purpose)
  )`,
  `create index mail_cooldown_sent_at_idx on mail_cooldown (sent_at)`,
]);
