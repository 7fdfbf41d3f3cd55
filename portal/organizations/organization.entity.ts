import { defineEntity, p } from '@mikro-orm/core';

export const ORGANIZATION_KINDS = ['customer', 'partner'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

/** A CustomerSource account: a customer, or a partner (VAR) that may administer customers. */
const OrganizationSchema = defineEntity({
  name: 'Organization',
  properties: {
    id: p.uuid().primary(),
    name: p.string(),
    /** J16: 8 digits, shown to its administrators; the way others find it to request access. */
    accountNumber: p.string(),
    kind: p.enum(ORGANIZATION_KINDS),
    /** Off by default: only the IdP account with the invited (verified) e-mail may claim. */
    allowAnyAccount: p.boolean().default(false),
    /** J15: members reach its pages only after a sign-in with two factors or a passkey. */
    requiresTwoStep: p.boolean().default(false),
    /** The mandatory roles: one holder each, enforced by deferred foreign keys. */
    billingContactId: p.uuid(),
    shippingContactId: p.uuid(),
    /** J19: how often an access review is due (30, 90 or 180 days), and who counts as inactive. */
    reviewPeriodDays: p.integer().default(90),
    inactivityDays: p.integer().default(90),
    /** When the next access review is due: one period after creation, then after each review. */
    nextReviewAt: p
      .datetime()
      .defaultRaw(`(now() + '90 days'::interval)`)
      .onCreate(() => new Date(Date.now() + 90 * 86_400_000)),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  checks: [
    { name: 'organization_review_period_check', expression: 'review_period_days in (30, 90, 180)' },
    {
      name: 'organization_inactivity_days_check',
      expression: '((inactivity_days >= 1) AND (inactivity_days <= 3650))',
    },
    {
      name: 'organization_name_check',
      expression: '((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))',
    },
    { name: 'organization_account_number_check', expression: "(account_number ~ '^[1-9][0-9]{7}$'::text)" },
  ],
  uniques: [{ name: 'organization_account_number_key', properties: ['accountNumber'] }],
  indexes: [{ name: 'organization_next_review_idx', properties: ['nextReviewAt'] }],
});
export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);

/** "Partner is a VAR of customer": the partner's administrators manage the customer too. */
const PartnerLinkSchema = defineEntity({
  name: 'PartnerLink',
  properties: {
    partnerId: () =>
      p
        .manyToOne(Organization)
        .primary()
        .mapToPk()
        .fieldName('partner_id')
        .deleteRule('cascade')
        .updateRule('no action'),
    customerId: () =>
      p
        .manyToOne(Organization)
        .primary()
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('cascade')
        .updateRule('no action'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  checks: [{ name: 'partner_link_not_self', expression: 'partner_id <> customer_id' }],
  indexes: [{ name: 'partner_link_customer_idx', properties: ['customerId'] }],
});
export class PartnerLink extends PartnerLinkSchema.class {}
PartnerLinkSchema.setClass(PartnerLink);

export { OrganizationSchema, PartnerLinkSchema };
