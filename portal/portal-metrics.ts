import { Counter } from 'prom-client';
import type { Database } from '../adapters/db/database.ts';
import { createServiceMetrics, type ServiceMetrics } from '../adapters/metrics/service-metrics.ts';

/** The portal's numbers: the shared service metrics, invitations sent and claimed. */
export interface PortalMetrics extends ServiceMetrics {
  readonly invitationsSent: Counter;
  readonly invitationsClaimed: Counter;
}

/**
 * One portal instance's metrics, on a registry of its own.
 *
 * @example
 *   const { app } = createPortal(config, { ...deps, metrics: createPortalMetrics(orm) });
 */
export function createPortalMetrics(orm: Database): PortalMetrics {
  const service = createServiceMetrics(orm);
  const registers = [service.registry];
  return {
    ...service,
    invitationsSent: new Counter({
      name: 'portal_invitations_sent_total',
      help: 'Invitation e-mails queued (first invitations and re-sends).',
      registers,
    }),
    invitationsClaimed: new Counter({
      name: 'portal_invitations_claimed_total',
      help: 'Invitations claimed: an IdP account bound to a professional.',
      registers,
    }),
  };
}
