import { defineEntity, p } from '@mikro-orm/core';

/** Who did what to whom, and when. Names are copied in: the target may be deleted later. */
const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  properties: {
    id: p.uuid().primary(),
    organizationId: p.uuid().nullable(),
    actor: p.string(),
    action: p.string(),
    target: p.string().nullable(),
    at: p.datetime(),
    detail: p.json<Record<string, unknown>>(),
  },
});
export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);

export { AuditEventSchema };
