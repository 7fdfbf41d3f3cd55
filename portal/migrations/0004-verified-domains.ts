import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * J18: domains an organization proves it owns by a DNS TXT record, and how people of a verified
 * domain may enrol. A domain may be claimed by several organizations while unproven, but once
 * verified it belongs to one organization only.
 */
export const verifiedDomains = sqlMigration('0004-verified-domains', [
  `create table verified_domain (
    id uuid primary key,
    organization_id uuid not null references organization (id) on delete cascade,
    domain text not null check (domain = lower(domain) and length(domain) between 3 and 253),
    challenge text not null,
    enrolment text not null default 'requests_only'
      check (enrolment in ('requests_only', 'suggest', 'join')),
    verified_at timestamptz,
    last_checked_at timestamptz,
    next_check_at timestamptz,
    created_at timestamptz not null,
    constraint verified_domain_org_domain_key unique (organization_id, domain)
  )`,
  `create unique index verified_domain_owner_key on verified_domain (domain) where verified_at is not null`,
  `create index verified_domain_next_check_idx on verified_domain (next_check_at) where next_check_at is not null`,
]);
