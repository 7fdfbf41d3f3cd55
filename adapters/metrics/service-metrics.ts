import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';
import { outboxStats } from '../mail/dispatcher.ts';

/** What every service exposes on `/metrics`; each service adds its own counters to `registry`. */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** Labels: `method`, `route` (a route pattern or a masked path: bounded), `status`. */
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/**
 * A registry of one service instance (never prom-client's global one, so several services and
 * test instances share a process without mixing their numbers): process metrics, request latency,
 * and the depth and age of the service's mail outbox, read from PostgreSQL at each scrape.
 *
 * @example
 *   const metrics = createServiceMetrics(orm);
 *   new Counter({ name: 'x_total', help: '…', registers: [metrics.registry] });
 */
export function createServiceMetrics(orm: Database): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  registerOutboxGauges(registry, orm);
  return { registry, httpDuration };
}

// A growing age means mail is stuck (SMTP down, a bad address): the one number worth an alert.
// Each gauge reads at its own scrape: one cheap query each, and neither shows the other's stale value.
function registerOutboxGauges(registry: Registry, orm: Database): void {
  new Gauge({
    name: 'outbox_pending',
    help: 'Mails of this service queued and not sent yet.',
    registers: [registry],
    async collect() {
      this.set((await outboxStats(orm)).pending);
    },
  });
  new Gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Seconds since the oldest unsent mail of this service was queued; 0 when none is.',
    registers: [registry],
    async collect() {
      this.set((await outboxStats(orm)).oldestPendingAgeSeconds);
    },
  });
}
