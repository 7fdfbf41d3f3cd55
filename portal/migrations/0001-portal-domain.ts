import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * Organizations, their professionals, partner links, invitations and the audit trail.
 * The mandatory roles are two NOT NULL foreign keys on the organization: the database itself
 * guarantees exactly one Billing Contact and one Shipping Contact, each a professional of that
 * same organization (composite key), and refuses to delete the holder (ON DELETE RESTRICT).
 * They are deferred so an organization and its first professional can be inserted together.
 */
export const portalDomain = sqlMigration('0001-portal-domain', [
  `create table organization (
    id uuid primary key,
    name text not null check (length(btrim(name)) between 1 and 200),
    kind text not null check (kind in ('customer', 'partner')),
    allow_any_account boolean not null default false,
    billing_contact_id uuid not null,
    shipping_contact_id uuid not null,
    created_at timestamptz not null
  )`,
  `create table professional (
    id uuid primary key,
    organization_id uuid not null references organization (id) on delete cascade,
    given_name text not null,
    family_name text not null,
    email text not null,
    phone text,
    job_title text,
    is_administrator boolean not null default false,
    status text not null check (status in ('not_invited', 'invited', 'active')),
    idp_issuer text,
    idp_subject text,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint professional_identity_complete check ((idp_issuer is null) = (idp_subject is null)),
    constraint professional_active_is_bound check ((status = 'active') = (idp_subject is not null)),
    constraint professional_id_org_key unique (id, organization_id)
  )`,
  `create unique index professional_org_email_key on professional (organization_id, lower(email))`,
  `create unique index professional_org_identity_key on professional (organization_id, idp_issuer, idp_subject)
    where idp_subject is not null`,
  `create index professional_identity_idx on professional (idp_issuer, idp_subject) where idp_subject is not null`,
  `alter table organization add constraint organization_billing_contact_fk
    foreign key (billing_contact_id, id) references professional (id, organization_id)
    on delete restrict deferrable initially deferred`,
  `alter table organization add constraint organization_shipping_contact_fk
    foreign key (shipping_contact_id, id) references professional (id, organization_id)
    on delete restrict deferrable initially deferred`,
  `create table partner_link (
    partner_id uuid not null references organization (id) on delete cascade,
    customer_id uuid not null references organization (id) on delete cascade,
    created_at timestamptz not null,
    primary key (partner_id, customer_id),
    constraint partner_link_not_self check (partner_id <> customer_id)
  )`,
  `create index partner_link_customer_idx on partner_link (customer_id)`,
  `create table invitation (
    id uuid primary key,
    professional_id uuid not null references professional (id) on delete cascade,
    expires_at timestamptz not null,
    revoked_at timestamptz,
    claimed_at timestamptz,
    created_at timestamptz not null
  )`,
  `create index invitation_professional_idx on invitation (professional_id)`,
  // Audit events and licenses name their organization by id (no ORM relation), so the unit of work
  // cannot order their inserts after a new organization's: their keys are checked at commit.
  `create table audit_event (
    id uuid primary key,
    organization_id uuid references organization (id) on delete cascade deferrable initially deferred,
    actor text not null,
    action text not null,
    target text,
    at timestamptz not null,
    detail jsonb not null default '{}'
  )`,
  `create index audit_event_org_at_idx on audit_event (organization_id, at desc)`,
  `create table license (
    id uuid primary key,
    organization_id uuid not null references organization (id) on delete cascade deferrable initially deferred,
    product text not null,
    license_key text not null,
    renewal_date date not null
  )`,
  `create index license_org_idx on license (organization_id)`,
  `create table server_secret (
    name text primary key,
    value text not null
  )`,
]);
