import type { Measurement } from './load-runner.ts';
import { REFERENCES, TARGETS } from './targets.ts';

/** One line of the table and of the JSON. */
export interface Row {
  readonly id: string;
  /** The scenario's number in issue 6. */
  readonly number: number;
  readonly title: string;
  readonly unit: '/s' | '%' | 'MB';
  readonly median: number;
  readonly min?: number;
  readonly max?: number;
  /** One figure per repetition. */
  readonly rates?: readonly number[];
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly errors?: number;
  /** Busy % per core while measuring (median over repetitions). */
  readonly cores?: Record<string, number>;
  /** Share of one core the measured process used (1 = all of it); below 1, it did not get its core. */
  readonly serviceCpu?: number;
  /** The median divided by `serviceCpu`: what one whole core would do at that efficiency. */
  readonly perCoreSecond?: number;
  /** Database counters per iteration: `transactions` (≈ round trips), scans and writes per table. */
  readonly database?: Record<string, number>;
  /** The service's CPU milliseconds per iteration, by kind of thread (main, thread pool, V8 helpers). */
  readonly threadCpuMs?: Record<string, number>;
  readonly target: string;
  readonly reference: string;
  /**
   * Rates are judged per CPU-second of the service (`perCoreSecond`): the target is per core, and
   * on a machine with other work the pinned service may not get all of its core. `null`: no target.
   */
  readonly pass: boolean | null;
  /** Sign-in share only: the same ratio on wall-clock rates, without the per-CPU-second correction. */
  readonly wallClockShare?: number;
}

type Figures = Pick<
  Row,
  | 'median'
  | 'min'
  | 'max'
  | 'rates'
  | 'p50Ms'
  | 'p99Ms'
  | 'errors'
  | 'cores'
  | 'serviceCpu'
  | 'perCoreSecond'
  | 'database'
  | 'threadCpuMs'
>;

const figures = (m: Measurement): Figures => ({
  median: m.median,
  min: m.min,
  max: m.max,
  rates: m.rates,
  p50Ms: m.p50Ms,
  p99Ms: m.p99Ms,
  errors: m.errors,
  cores: m.cores,
  serviceCpu: m.serviceCpu,
  perCoreSecond: m.perCoreSecond,
  database: m.database,
  threadCpuMs: m.threadCpuMs,
});

/** Scenario 1: the sign-in rate, the bare argon2id rate beside it, and their ratio against the target. */
export function signInRows(signIn: Measurement, bare: Measurement): Row[] {
  // Per CPU-second the two processes got: on a machine with other work, they may not get the same.
  const share = signIn.perCoreSecond / bare.perCoreSecond;
  const needed = TARGETS.signInShareOfBareHash * bare.perCoreSecond;
  return [
    {
      id: 'password-sign-in',
      number: 1,
      title: 'Password sign-in (code flow + PKCE)',
      unit: '/s',
      ...figures(signIn),
      target: `≥ ${needed.toFixed(1)}/s (90% of bare)`,
      reference: REFERENCES.signIn,
      pass: signIn.perCoreSecond >= needed,
    },
    {
      id: 'bare-argon2id',
      number: 1,
      title: 'Bare argon2id verify, same core',
      unit: '/s',
      ...figures(bare),
      target: '— (the limit)',
      reference: REFERENCES.bareHash,
      pass: null,
    },
    {
      id: 'sign-in-share',
      number: 1,
      title: 'Sign-in ÷ bare argon2id, per CPU-s',
      unit: '%',
      median: 100 * share,
      wallClockShare: signIn.median / bare.median,
      target: `≥ ${100 * TARGETS.signInShareOfBareHash}%`,
      reference: '',
      pass: share >= TARGETS.signInShareOfBareHash,
    },
  ];
}

/**
 * Password + authenticator app beside password alone: no target of its own; the reference column
 * says what the second step adds to a sign-in, in CPU milliseconds, when both were measured.
 */
export function secondStepRow(
  scenario: { id: string; number: number; title: string },
  m: Measurement,
  passwordAlone?: Measurement,
): Row {
  const extraMs = passwordAlone ? 1000 / m.perCoreSecond - 1000 / passwordAlone.perCoreSecond : undefined;
  return {
    ...scenario,
    unit: '/s',
    ...figures(m),
    target: '— (beside password alone)',
    reference:
      extraMs === undefined ? '' : `second step: ${extraMs >= 0 ? '+' : ''}${extraMs.toFixed(1)} ms CPU`,
    pass: null,
  };
}

const RATE_TARGETS: Record<string, { perSecond: number; reference: string }> = {
  'passkey-sign-in': { perSecond: TARGETS.passkeySignInPerSecond, reference: REFERENCES.passkeySignIn },
  'client-credentials': {
    perSecond: TARGETS.clientCredentialsPerSecond,
    reference: REFERENCES.clientCredentials,
  },
  'refresh-token': { perSecond: TARGETS.refreshPerSecond, reference: REFERENCES.refresh },
  userinfo: { perSecond: TARGETS.userinfoPerSecond, reference: REFERENCES.userinfo },
  introspection: { perSecond: TARGETS.introspectionPerSecond, reference: REFERENCES.introspection },
};

/** Passkey sign-ins and scenarios 2–4: a rate per second against its per-core target. */
export function rateRow(scenario: { id: string; number: number; title: string }, m: Measurement): Row {
  const goal = RATE_TARGETS[scenario.id];
  if (!goal) throw new Error(`no target for scenario ${scenario.id}`);
  return {
    ...scenario,
    unit: '/s',
    ...figures(m),
    target: `≥ ${goal.perSecond.toLocaleString('en')}/s`,
    reference: goal.reference,
    pass: m.perCoreSecond >= goal.perSecond,
  };
}

/** Scenario 5: gated portal pages per second, judged per CPU-second and on p99 latency. */
export function portalRow(scenario: { id: string; number: number; title: string }, m: Measurement): Row {
  return {
    ...scenario,
    unit: '/s',
    ...figures(m),
    target: `≥ ${TARGETS.portalPagesPerSecond.toLocaleString('en')}/s, p99 < ${TARGETS.portalP99Ms} ms`,
    reference: REFERENCES.portalPages,
    pass: m.perCoreSecond >= TARGETS.portalPagesPerSecond && m.p99Ms < TARGETS.portalP99Ms,
  };
}

/** Scenario 6: resident memory of the service process, idle or after the load (with its peak). */
export function memoryRow(id: string, title: string, rssMb: number, peakMb?: number): Row {
  return {
    id,
    number: 6,
    title,
    unit: 'MB',
    median: rssMb,
    ...(peakMb === undefined ? {} : { max: peakMb }),
    target: `< ${TARGETS.residentMemoryMb} MB`,
    reference: REFERENCES.memory,
    pass: (peakMb ?? rssMb) < TARGETS.residentMemoryMb,
  };
}
