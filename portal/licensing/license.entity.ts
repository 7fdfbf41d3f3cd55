import { defineEntity, p } from '@mikro-orm/core';

/** A product an organization is licensed for: what members see on the licensing page. */
const LicenseSchema = defineEntity({
  name: 'License',
  properties: {
    id: p.uuid().primary(),
    organizationId: p.uuid(),
    product: p.string(),
    licenseKey: p.string(),
    /** ISO date. */
    renewalDate: p.string().columnType('date'),
  },
  indexes: [{ name: 'license_org_idx', properties: ['organizationId'] }],
});
export class License extends LicenseSchema.class {}
LicenseSchema.setClass(License);

export { LicenseSchema };
