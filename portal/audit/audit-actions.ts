/**
 * Every action the portal records, one list: `recordAudit` accepts nothing else (the type check
 * refuses an action missing here), and the Audit log's action filter offers exactly these.
 */
export const AUDIT_ACTIONS = [
  'access.denied',
  'domain.added',
  'domain.enrolment-changed',
  'domain.lost',
  'domain.removed',
  'domain.verification-failed',
  'domain.verified',
  'invitation.claimed',
  'invitation.sent',
  'organization.created',
  'partner.linked',
  'policy.two-step.not-required',
  'policy.two-step.required',
  'professional.added',
  'professional.deleted',
  'professional.edited',
  'professional.joined-by-domain',
  'professionals.imported',
  'request.approved',
  'request.declined',
  'request.expired',
  'request.made',
  'review.completed',
  'review.due',
  'review.settings-changed',
  'role.granted',
  'role.moved',
  'sign-in',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
