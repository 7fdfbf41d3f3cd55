import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from './organization.entity.ts';

const PROFESSIONAL_STATUSES = ['not_invited', 'invited', 'active'] as const;

/** A person's membership in one organization; bound to an IdP identity once an invitation is claimed. */
const ProfessionalSchema = defineEntity({
  name: 'Professional',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    givenName: p.string(),
    familyName: p.string(),
    email: p.string(),
    phone: p.string().nullable(),
    jobTitle: p.string().nullable(),
    isAdministrator: p.boolean().default(false),
    status: p.enum(PROFESSIONAL_STATUSES),
    idpIssuer: p.string().nullable(),
    idpSubject: p.string().nullable(),
    /** The last completed portal sign-in of the bound identity; never, for one not claimed. */
    lastSignInAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  // As migration 0001 made them: the database keeps these rules, whatever the code does.
  checks: [
    // Bound means both halves of the identity, and active means bound.
    { name: 'professional_identity_complete', expression: '(idp_issuer is null) = (idp_subject is null)' },
    { name: 'professional_active_is_bound', expression: "(status = 'active') = (idp_subject is not null)" },
  ],
  uniques: [
    // What the organization's mandatory-role foreign keys point at.
    { name: 'professional_id_org_key', properties: ['id', 'organization'] },
    // One professional per address (any case) and per IdP identity in an organization.
    {
      name: 'professional_org_email_key',
      expression:
        'create unique index professional_org_email_key on portal.professional (organization_id, lower(email))',
    },
    {
      name: 'professional_org_identity_key',
      properties: ['organization', 'idpIssuer', 'idpSubject'],
      where: 'idp_subject is not null',
    },
  ],
  // Signing in finds a person's memberships by their IdP identity.
  indexes: [
    {
      name: 'professional_identity_idx',
      properties: ['idpIssuer', 'idpSubject'],
      where: 'idp_subject is not null',
    },
    // The professionals list (professionals/professional-list.ts): one index per sort order, and
    // a trigram index for search (migration 0008).
    {
      name: 'professional_name_idx',
      expression:
        'create index professional_name_idx on portal.professional (organization_id, lower(family_name), lower(given_name), id)',
    },
    {
      name: 'professional_status_idx',
      expression:
        'create index professional_status_idx on portal.professional (organization_id, status, lower(family_name), lower(given_name), id)',
    },
    {
      name: 'professional_last_sign_in_idx',
      expression:
        "create index professional_last_sign_in_idx on portal.professional (organization_id, (coalesce(last_sign_in_at, '-infinity'::timestamptz)), id)",
    },
    {
      name: 'professional_search_idx',
      expression:
        "create index professional_search_idx on portal.professional using gin (((given_name || ' ' || family_name || ' ' || email)) portal.gin_trgm_ops)",
    },
  ],
});

export class Professional extends ProfessionalSchema.class {
  /** Given and family name, as lists and messages show it. */
  fullName(): string {
    return `${this.givenName} ${this.familyName}`;
  }

  /** Bound to an IdP account: the invitation was claimed, so this person can sign in and act. */
  isBound(): boolean {
    return this.status === 'active' && this.idpSubject !== null;
  }
}
ProfessionalSchema.setClass(Professional);

export { ProfessionalSchema };
