import type Provider from 'oidc-provider';
import type { Database } from '../adapters/db/database.ts';
import type { Views } from '../adapters/http/views.ts';
import type { Logger } from '../adapters/log/logger.ts';
import type { Config } from '../config/config.ts';
import type { IdpMetrics } from './idp-metrics.ts';
import type { RateLimits } from './rate-limits/rate-limits.ts';

export interface IdpDeps {
  readonly orm: Database;
  readonly logger: Logger;
  readonly rateLimits: RateLimits;
  /** Newest first. */
  readonly cookieSecrets: readonly string[];
  /** One per instance, kept across the providers a key rotation builds; unset: a new one. */
  readonly metrics?: IdpMetrics;
}

/** What the IdP's routes need; built once per IdP instance. */
export interface IdpContext extends IdpDeps {
  readonly config: Config;
  readonly provider: Provider;
  readonly views: Views;
  /** Path prefix when the IdP is mounted under a path of a host app (from the issuer URL). */
  readonly base: string;
  readonly metrics: IdpMetrics;
}
