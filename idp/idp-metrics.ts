import type { EventEmitter } from 'node:events';
import type Provider from 'oidc-provider';
import { Counter } from 'prom-client';
import type { Database } from '../adapters/db/database.ts';
import { createServiceMetrics, type ServiceMetrics } from '../adapters/metrics/service-metrics.ts';

// oidc-provider emits `<kind>.saved` when it stores an opaque token and `<kind>.issued` when it
// signs a JWT one it does not store; either is one token handed out.
const TOKEN_KINDS = ['access_token', 'refresh_token', 'authorization_code', 'client_credentials'] as const;

const SIGN_IN_OUTCOMES = ['success', 'invalid_credentials', 'unverified', 'rate_limited'] as const;

/** The IdP's numbers: the shared service metrics, sign-ins by outcome, tokens issued by kind. */
export interface IdpMetrics extends ServiceMetrics {
  /** Password sign-ins: `success`, `invalid_credentials`, `unverified`, `rate_limited`. */
  readonly signIns: Counter<'outcome'>;
  readonly tokensIssued: Counter<'kind'>;
  /** Back-channel logouts dropped after the app refused them for the whole retry window. */
  readonly logoutsGivenUp: Counter;
}

/**
 * One IdP instance's metrics. Build it once per instance and keep it across providers (a key
 * rotation builds a new provider), so the counters do not restart.
 *
 * @example
 *   const metrics = createIdpMetrics(orm);
 *   const idp = await createIdp(config, { ...deps, metrics });
 */
export function createIdpMetrics(orm: Database): IdpMetrics {
  const service = createServiceMetrics(orm);
  const registers = [service.registry];
  const signIns = new Counter({
    name: 'idp_sign_ins_total',
    help: 'Password sign-ins, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const tokensIssued = new Counter({
    name: 'idp_tokens_issued_total',
    help: 'Tokens and codes issued, by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const logoutsGivenUp = new Counter({
    name: 'idp_backchannel_logouts_given_up_total',
    help: 'Back-channel logouts given up after the app refused them for the whole retry window.',
    registers,
  });
  // Every series exists from the start at 0, so rates and alerts work before the first event.
  for (const outcome of SIGN_IN_OUTCOMES) signIns.inc({ outcome }, 0);
  for (const kind of TOKEN_KINDS) tokensIssued.inc({ kind }, 0);
  return { ...service, signIns, tokensIssued, logoutsGivenUp };
}

/** Count every token the provider issues in `idp_tokens_issued_total{kind}`. */
export function countIssuedTokens(provider: Provider, metrics: IdpMetrics): void {
  // The typings list each event name as a literal; the names are built here from the kinds.
  const events = provider as unknown as EventEmitter;
  for (const kind of TOKEN_KINDS) {
    const count = () => metrics.tokensIssued.inc({ kind });
    events.on(`${kind}.saved`, count);
    events.on(`${kind}.issued`, count);
  }
}
