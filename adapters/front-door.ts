import type { Middleware } from 'koa';
import type { Database, SchemaModule } from './db/database.ts';
import { assets, type StaticAsset } from './http/assets.ts';
import { healthChecks } from './http/health.ts';
import { publicHostOnly } from './http/public-host.ts';
import { requestLog } from './http/request-log.ts';
import { requireHttps } from './http/require-https.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { Logger } from './log/logger.ts';
import { measureRequests } from './metrics/measure-requests.ts';
import { metricsEndpoint } from './metrics/metrics-endpoint.ts';
import type { ServiceMetrics } from './metrics/service-metrics.ts';

export interface FrontDoorOptions {
  readonly publicUrl: string;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /** `METRICS_TOKEN`; unset, `/metrics` answers this machine only. */
  readonly metricsToken?: string;
  readonly orm: Database;
  readonly schema: SchemaModule;
  /** The service's own static files besides the shared stylesheet and script, by path. */
  readonly assets?: Readonly<Record<string, StaticAsset>>;
}

/**
 * What every request to either service passes first, in this order: its log line and metrics,
 * `/metrics`, `/healthz` and `/readyz` (on any host), the security headers, the public host only
 * (421 otherwise), HTTPS behind TLS, and the shared assets. The service's own pages come after.
 *
 * @example
 *   for (const middleware of frontDoor({ publicUrl: config.PORTAL_URL, logger, metrics, orm, schema }))
 *     app.use(middleware);
 */
export function frontDoor(options: FrontDoorOptions): Middleware[] {
  const { publicUrl, logger } = options;
  return [
    requestLog(logger),
    measureRequests(options.metrics),
    metricsEndpoint(options.metrics, options.metricsToken, logger),
    healthChecks(options.orm, options.schema),
    securityHeaders({ hsts: publicUrl.startsWith('https://') }),
    publicHostOnly(publicUrl),
    requireHttps(publicUrl, logger),
    assets(options.assets),
  ];
}
