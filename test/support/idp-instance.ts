import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { createLogger, type Logger } from '../../adapters/log/logger.ts';
import { loadConfig } from '../../config/config.ts';
import { type ClientRegistration, type RegisteredClient, registerClient } from '../../idp/clients/clients.ts';
import type { LogoutDispatcherOptions } from '../../idp/logout/logout-dispatcher.ts';
import type { RateLimitsOptions } from '../../idp/rate-limits/rate-limits.ts';
import { type RunningIdp, startIdpService } from '../../idp/service.ts';
import { createOidcAdapter } from '../../idp/storage/oidc-adapter.ts';
import { createTestDatabase } from './database.ts';
import { type SmtpCapture, startSmtpCapture } from './smtp-capture.ts';

export interface TestIdp {
  readonly issuer: string;
  readonly databaseUrl: string;
  readonly smtp: SmtpCapture;
  readonly running: RunningIdp;
  registerClient(input: ClientRegistration): Promise<RegisteredClient>;
  close(): Promise<void>;
}

/**
 * A real IdP for one test file: its own database cloned from the migrated template, a real SMTP
 * server capturing mail, an HTTP server on a free loopback port. Pass `DATABASE_URL` to run a
 * second instance on the first one's database; `rateLimitRules` to shorten the brute-force windows;
 * `logger` to read its log lines (silent by default); `logouts` to give up back-channel logouts sooner.
 */
export async function startTestIdp(
  env: Record<string, string> = {},
  options: {
    rateLimitRules?: RateLimitsOptions['rules'];
    logger?: Logger;
    logouts?: Pick<LogoutDispatcherOptions, 'giveUpAfterSeconds'>;
  } = {},
): Promise<TestIdp> {
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase());
  const smtp = await startSmtpCapture();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '5',
    SMTP_URL: smtp.url,
    IDP_PORT: String(port),
    IDP_ISSUER: issuer,
    ...env,
  });
  const running = await startIdpService(config, options.logger ?? createLogger('silent', 'test-idp'), {
    mailPollMs: 50,
    keyCheckMs: 200,
    rateLimitRules: options.rateLimitRules,
    // Back-channel logouts retried within a test's patience.
    logouts: { pollMs: 50, backoff: { baseMs: 100, maxMs: 400 }, ...options.logouts },
  });
  return {
    issuer,
    databaseUrl,
    smtp,
    running,
    registerClient: (input) => registerClient(createOidcAdapter(running.orm), input),
    async close() {
      await running.close();
      await smtp.stop();
    },
  };
}
