import type { PeriodicTask } from '../adapters/jobs/periodic-work.ts';
import type { PortalContext } from './portal-context.ts';
import { deleteExpiredImports } from './professionals/import-professionals.ts';

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
      name: 'professional-imports.delete-expired',
      everyMs: 10 * MINUTE,
      batchSize: Number.POSITIVE_INFINITY,
      run: (now) => deleteExpiredImports(portal.domain.orm, now),
    },
  ];
}
