import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

/** How people whose verified e-mail is in a verified domain may join its organization (J18). */
export const ENROLMENT_MODES = ['requests_only', 'suggest', 'join'] as const;
export type EnrolmentMode = (typeof ENROLMENT_MODES)[number];

/**
 * A mail domain an organization claims, proven by the TXT record `_gatehouse-challenge.<domain>`
 * holding `challenge`. Verified (`verifiedAt` set), it belongs to that organization alone.
 */
const VerifiedDomainSchema = defineEntity({
  name: 'VerifiedDomain',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    /** Lower case, no trailing dot. */
    domain: p.string(),
    challenge: p.string(),
    enrolment: p.enum(ENROLMENT_MODES).default('requests_only'),
    verifiedAt: p.datetime().nullable(),
    /** When a look-up last found the record (at Verify, then each re-check); the grace of an outage counts from it. */
    lastCheckedAt: p.datetime().nullable(),
    /** When the periodic re-check looks at it next; unset, it is not checked. */
    nextCheckAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  checks: [
    {
      name: 'verified_domain_domain_check',
      expression: '((domain = lower(domain)) AND ((length(domain) >= 3) AND (length(domain) <= 253)))',
    },
    {
      name: 'verified_domain_enrolment_check',
      expression: "(enrolment = ANY (ARRAY['requests_only'::text, 'suggest'::text, 'join'::text]))",
    },
  ],
  uniques: [
    { name: 'verified_domain_org_domain_key', properties: ['organization', 'domain'] },
    { name: 'verified_domain_owner_key', properties: ['domain'], where: 'verified_at is not null' },
  ],
  indexes: [
    {
      name: 'verified_domain_next_check_idx',
      properties: ['nextCheckAt'],
      where: 'next_check_at is not null',
    },
  ],
});
export class VerifiedDomain extends VerifiedDomainSchema.class {}
VerifiedDomainSchema.setClass(VerifiedDomain);

export { VerifiedDomainSchema };
