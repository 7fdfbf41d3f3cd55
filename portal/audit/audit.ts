import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Actor } from '../domain.ts';
import type { AuditAction } from './audit-actions.ts';
import { AuditEvent } from './audit-event.entity.ts';

export interface AuditEntry {
  readonly organizationId: string | null;
  readonly actor: Actor | string;
  readonly action: AuditAction;
  readonly target?: string | null;
  readonly detail?: Record<string, unknown>;
}

/** Record an audit event in the caller's transaction: it commits (or rolls back) with the change. */
export function recordAudit(em: EntityManager, entry: AuditEntry): AuditEvent {
  return em.create(AuditEvent, {
    id: randomUUID(),
    organizationId: entry.organizationId,
    actor: typeof entry.actor === 'string' ? entry.actor : entry.actor.label,
    action: entry.action,
    target: entry.target ?? null,
    at: new Date(),
    detail: entry.detail ?? {},
  });
}

/** The most recent events of an organization, newest first. */
export function recentAuditEvents(
  em: EntityManager,
  organizationId: string,
  limit = 20,
): Promise<AuditEvent[]> {
  return em.find(AuditEvent, { organizationId }, { orderBy: { at: 'desc' }, limit });
}
