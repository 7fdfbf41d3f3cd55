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
  /** The same scenario against bare oidc-provider, on the same core in the same run. */
  readonly bare?: BareFigures;
  /** `perCoreSecond / bare.perCoreSecond`: the share of the stack's ceiling Gatehouse reaches. */
  readonly shareOfBare?: number;
}

/** What bare oidc-provider did in the same scenario (no database: no database counters). */
export type BareFigures = Pick<
  Row,
  | 'median'
  | 'min'
  | 'max'
  | 'rates'
  | 'p50Ms'
  | 'p99Ms'
  | 'errors'
  | 'serviceCpu'
  | 'perCoreSecond'
  | 'threadCpuMs'
>;

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

const bareFigures = (m: Measurement): BareFigures => {
  const { database: _, cores: __, ...rest } = figures(m);
  return rest;
};

/** The figures of `m` beside bare oidc-provider's, and the share of bare's rate (per CPU-second). */
function withBare(m: Measurement, bare: Measurement) {
  return { ...figures(m), bare: bareFigures(bare), shareOfBare: m.perCoreSecond / bare.perCoreSecond };
}

const percent = (share: number) => `${Math.round(100 * share)}%`;

/**
 * Scenario 1: the sign-in rate against bare oidc-provider's (same argon2id verify, same core, same
 * run) and its target; the bare argon2id rate beside it, and the sign-in's share of it, for scale.
 */
export function signInRows(signIn: Measurement, bareProvider: Measurement, bare: Measurement): Row[] {
  // Per CPU-second the two processes got: on a machine with other work, they may not get the same.
  const share = signIn.perCoreSecond / bare.perCoreSecond;
  const ofBare = withBare(signIn, bareProvider);
  return [
    {
      id: 'password-sign-in',
      number: 1,
      title: 'Password sign-in (code flow + PKCE)',
      unit: '/s',
      ...ofBare,
      target: `≥ ${percent(TARGETS.signInShareOfBareProvider)} of bare`,
      reference: REFERENCES.signIn,
      pass: ofBare.shareOfBare >= TARGETS.signInShareOfBareProvider,
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
      target: '— (the hash alone)',
      reference: '',
      pass: null,
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

const REFERENCE_OF: Record<string, string> = {
  'passkey-sign-in': REFERENCES.passkeySignIn,
  'client-credentials': REFERENCES.clientCredentials,
  'refresh-token': REFERENCES.refresh,
  userinfo: REFERENCES.userinfo,
  introspection: REFERENCES.introspection,
};

/** Passkey sign-ins: a rate per CPU-second against its target (bare oidc-provider has no passkeys). */
export function passkeyRow(scenario: { id: string; number: number; title: string }, m: Measurement): Row {
  return {
    ...scenario,
    unit: '/s',
    ...figures(m),
    target: `≥ ${TARGETS.passkeySignInPerSecond.toLocaleString('en')}/s`,
    reference: REFERENCE_OF[scenario.id] ?? '',
    pass: m.perCoreSecond >= TARGETS.passkeySignInPerSecond,
  };
}

/** Scenarios 2–4: the rate per CPU-second against bare oidc-provider's in the same run. */
export function shareOfBareRow(
  scenario: { id: string; number: number; title: string },
  m: Measurement,
  bare: Measurement,
): Row {
  const ofBare = withBare(m, bare);
  return {
    ...scenario,
    unit: '/s',
    ...ofBare,
    target: `≥ ${percent(TARGETS.shareOfBareProvider)} of bare`,
    reference: REFERENCE_OF[scenario.id] ?? '',
    pass: ofBare.shareOfBare >= TARGETS.shareOfBareProvider,
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
