import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

export const ACCESS_REQUEST_STATUSES = ['pending', 'approved', 'declined', 'expired'] as const;
export type AccessRequestStatus = (typeof ACCESS_REQUEST_STATUSES)[number];

/**
 * A signed-in person's request to join an organization (J16), decided by one of its administrators
 * or its partner's (J17), or expired. One pending request per person and organization, kept by
 * the database (`access_request_pending_key`).
 */
const AccessRequestSchema = defineEntity({
  name: 'AccessRequest',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    /** The requester's IdP identity: what an approval binds the new professional to. */
    requesterIssuer: p.string(),
    requesterSubject: p.string(),
    /** Their verified e-mail and name, as the ID token gave them when they asked. */
    requesterEmail: p.string(),
    requesterName: p.string(),
    message: p.string().nullable(),
    status: p.enum(ACCESS_REQUEST_STATUSES).default('pending'),
    /** Who decided (the administrator's e-mail), or `system` for an expiry. */
    decidedBy: p.string().nullable(),
    decidedAt: p.datetime().nullable(),
    declineReason: p.string().nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
  },
  checks: [
    {
      name: 'access_request_status_check',
      expression:
        "(status = ANY (ARRAY['pending'::text, 'approved'::text, 'declined'::text, 'expired'::text]))",
    },
    {
      name: 'access_request_decided_check',
      expression: "((status = 'pending'::text) = (decided_at IS NULL))",
    },
    { name: 'access_request_message_check', expression: '(length(message) <= 500)' },
    { name: 'access_request_decline_reason_check', expression: '(length(decline_reason) <= 500)' },
  ],
  uniques: [
    {
      name: 'access_request_pending_key',
      properties: ['organization', 'requesterIssuer', 'requesterSubject'],
      where: "status = 'pending'",
    },
  ],
  indexes: [
    {
      name: 'access_request_requester_idx',
      properties: ['requesterIssuer', 'requesterSubject', 'createdAt'],
    },
    { name: 'access_request_organization_idx', properties: ['organization', 'createdAt'] },
    { name: 'access_request_expiry_idx', properties: ['expiresAt'], where: "status = 'pending'" },
  ],
});
export class AccessRequest extends AccessRequestSchema.class {}
AccessRequestSchema.setClass(AccessRequest);

export { AccessRequestSchema };
