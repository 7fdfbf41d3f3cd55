import { DeferMode, defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

/** A product an organization is licensed for: what members see on the licensing page. */
const LicenseSchema = defineEntity({
  name: 'License',
  properties: {
    id: p.uuid().primary(),
    // Checked at commit (deferred): a new organization's licences may be flushed before it.
    organizationId: () =>
      p
        .manyToOne(Organization)
        .mapToPk()
        .fieldName('organization_id')
        .deleteRule('cascade')
        .deferMode(DeferMode.INITIALLY_DEFERRED),
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
