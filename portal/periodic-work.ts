import type { PeriodicTask } from '../adapters/jobs/periodic-work.ts';
import { expireAccessRequests } from './access-requests/expire-requests.ts';
import { sendDueReviewReminders } from './access-reviews/review-reminders.ts';
import { pruneAuditEvents } from './audit-log/audit-retention.ts';
import type { PortalContext } from './portal-context.ts';
import { deleteExpiredImports } from './professionals/import-professionals.ts';
import { recheckVerifiedDomainsTask } from './verified-domains/recheck-domains.ts';

const MINUTE = 60_000;

/**
 * The portal's scheduled work, run by every instance (`startPeriodicWork`): each task takes its due
 * rows under `FOR UPDATE SKIP LOCKED` or a conditional update, so instances never do a row twice.
 */
export function portalPeriodicWork(portal: PortalContext): PeriodicTask[] {
  return [
    {
      name: 'sessions.delete-expired',
      everyMs: 10 * MINUTE,
      batchSize: Number.POSITIVE_INFINITY,
      run: () => portal.sessions.deleteExpired(),
    },
    {
      name: 'access-requests.expire',
      everyMs: 10 * MINUTE,
      batchSize: 100,
      run: (now) => expireAccessRequests(portal.domain, now, 100),
    },
    recheckVerifiedDomainsTask(portal),
    {
      name: 'access-reviews.remind-due',
      everyMs: 10 * MINUTE,
      batchSize: 50,
      run: (now) => sendDueReviewReminders(portal.domain, now, 50),
    },
    {
      name: 'audit-log.prune',
      everyMs: 60 * MINUTE,
      batchSize: 1000,
      run: (now) => pruneAuditEvents(portal.domain.orm, now, portal.config.AUDIT_RETENTION_DAYS, 1000),
    },
    {
      name: 'professional-imports.delete-expired',
      everyMs: 10 * MINUTE,
      batchSize: Number.POSITIVE_INFINITY,
      run: (now) => deleteExpiredImports(portal.domain.orm, now),
    },
  ];
}
