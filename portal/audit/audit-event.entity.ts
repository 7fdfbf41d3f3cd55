import { DeferMode, defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

/** Who did what to whom, and when. Names are copied in: the target may be deleted later. */
const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  properties: {
    id: p.uuid().primary(),
    // Checked at commit (deferred): an event may be flushed before the organization it is about.
    organizationId: () =>
      p
        .manyToOne(Organization)
        .mapToPk()
        .nullable()
        .fieldName('organization_id')
        .deleteRule('cascade')
        .deferMode(DeferMode.INITIALLY_DEFERRED),
    actor: p.string(),
    action: p.string(),
    target: p.string().nullable(),
    at: p.datetime(),
    detail: p.json<Record<string, unknown>>().defaultRaw(`'{}'`),
  },
  // The audit log page: one organization's events, newest first. As DDL: MikroORM 7.2 does not read
  // a column's sort order back from PostgreSQL, so a declared `desc` would always show as a change.
  // Its keyset is (at desc, id desc) (portal/audit-log/); retention deletes by `at` alone.
  indexes: [
    {
      name: 'audit_event_org_at_id_idx',
      expression:
        'create index audit_event_org_at_id_idx on portal.audit_event (organization_id, at desc, id desc)',
    },
    { name: 'audit_event_at_idx', properties: ['at'] },
  ],
});
export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);

export { AuditEventSchema };
