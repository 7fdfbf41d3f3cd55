import { defineEntity, p } from '@mikro-orm/core';

export const ORGANIZATION_KINDS = ['customer', 'partner'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

/** A CustomerSource account: a customer, or a partner (VAR) that may administer customers. */
const OrganizationSchema = defineEntity({
  name: 'Organization',
  properties: {
    id: p.uuid().primary(),
    name: p.string(),
    kind: p.enum(ORGANIZATION_KINDS),
    /** Off by default: only the IdP account with the invited (verified) e-mail may claim. */
    allowAnyAccount: p.boolean().default(false),
    /** The mandatory roles: one holder each, enforced by deferred foreign keys. */
    billingContactId: p.uuid(),
    shippingContactId: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);

/** "Partner is a VAR of customer": the partner's administrators manage the customer too. */
const PartnerLinkSchema = defineEntity({
  name: 'PartnerLink',
  properties: {
    partnerId: p.uuid().primary(),
    customerId: p.uuid().primary(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class PartnerLink extends PartnerLinkSchema.class {}
PartnerLinkSchema.setClass(PartnerLink);

export { OrganizationSchema, PartnerLinkSchema };
