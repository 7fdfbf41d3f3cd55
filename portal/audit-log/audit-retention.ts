import type { Database } from '../../adapters/db/database.ts';
import { execute, statement } from '../../adapters/db/statements.ts';

const DAY_MS = 86_400_000;

/**
 * The oldest events past retention, one batch, taken under `FOR UPDATE SKIP LOCKED`: instances
 * pruning at once take different rows, and each batch is a short transaction of its own.
 */
const PRUNE = statement(
  'portal.audit-log.prune',
  `delete from portal.audit_event where id in (
     select id from portal.audit_event where at < $1 order by at limit $2 for update skip locked)`,
);

/**
 * One pass of retention at `now`: deletes up to `batchSize` events older than `retentionDays`
 * (`AUDIT_RETENTION_DAYS`); resolves to how many. The runner repeats a full pass at once, so a
 * backlog goes in batches without one long lock. Pruning is the retention policy, not a change
 * to an organization: it records no event of its own.
 */
export function pruneAuditEvents(
  orm: Database,
  now: Date,
  retentionDays: number,
  batchSize: number,
): Promise<number> {
  return execute(orm, PRUNE, [new Date(now.getTime() - retentionDays * DAY_MS), batchSize]);
}
