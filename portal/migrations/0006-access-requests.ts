import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * J16-J17: a person without a membership asks an organization for access, and its administrators
 * (or its partner's) approve or decline. Each organization gets an account number, the one way to
 * find an organization that is not suggested to you: 8 random digits, backfilled here for those
 * that exist.
 */
export const accessRequests = sqlMigration('0006-access-requests', [
  `alter table organization add column account_number text`,
  `do $$
   declare
     org record;
     candidate text;
   begin
     for org in select id from organization where account_number is null loop
       loop
         candidate := (10000000 + floor(random() * 90000000))::bigint::text;
         exit when not exists (select 1 from organization where account_number = candidate);
       end loop;
       update organization set account_number = candidate where id = org.id;
     end loop;
   end $$`,
  `alter table organization alter column account_number set not null`,
  `alter table organization add constraint organization_account_number_check
     check (account_number ~ '^[1-9][0-9]{7}$')`,
  `alter table organization add constraint organization_account_number_key unique (account_number)`,
  `create table access_request (
    id uuid primary key,
    organization_id uuid not null references organization (id) on delete cascade,
    requester_issuer text not null,
    requester_subject text not null,
    requester_email text not null,
    requester_name text not null,
    message text,
    status text not null default 'pending',
    decided_by text,
    decided_at timestamptz,
    decline_reason text,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    constraint access_request_status_check
      check (status in ('pending', 'approved', 'declined', 'expired')),
    constraint access_request_decided_check check ((status = 'pending') = (decided_at is null)),
    constraint access_request_message_check check (length(message) <= 500),
    constraint access_request_decline_reason_check check (length(decline_reason) <= 500)
  )`,
  `create unique index access_request_pending_key on access_request
     (organization_id, requester_issuer, requester_subject) where status = 'pending'`,
  `create index access_request_requester_idx on access_request (requester_issuer, requester_subject, created_at)`,
  `create index access_request_organization_idx on access_request (organization_id, created_at)`,
  `create index access_request_expiry_idx on access_request (expires_at) where status = 'pending'`,
]);
