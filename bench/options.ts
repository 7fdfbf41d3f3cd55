import { parseArgs } from 'node:util';

/** How long and how often each scenario is measured, and where the figures go. */
export interface BenchOptions {
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly repetitions: number;
  /** Also write the figures as JSON to this file. */
  readonly jsonFile: string | undefined;
  /** Write a V8 CPU profile of the IdP process into this folder (`node --cpu-prof`). */
  readonly profileDir: string | undefined;
  /** Extra Node.js flags for the IdP process (GC or heap experiments: `--max-old-space-size=128`). */
  readonly idpNodeFlags: readonly string[];
  /** Only the scenarios whose id contains one of these words; all when empty. */
  readonly only: readonly string[];
  readonly quick: boolean;
  /** `DATABASE_URL` from the environment: a throwaway database instead of the embedded one. */
  readonly databaseUrl: string | undefined;
}

const FULL = { warmup: 3, duration: 10, repetitions: 3 };
// Seconds-long smoke run: proves every scenario still works end to end, measures nothing.
const QUICK = { warmup: 0.3, duration: 1, repetitions: 1 };

export const USAGE = `npm run bench -- [options]
  --quick              a few seconds per scenario, one repetition (smoke run; figures are not meaningful)
  --duration SECONDS   measured time of one repetition (default ${FULL.duration})
  --warmup SECONDS     unmeasured load before the repetitions (default ${FULL.warmup})
  --repetitions N      measured repetitions per scenario (default ${FULL.repetitions})
  --json FILE          also write the figures as JSON
  --only WORDS         comma-separated scenario ids (or parts) to run, e.g. refresh,userinfo
  --profile DIR        run the IdP with --cpu-prof, profiles written to DIR when it stops
  --idp-node-flags=F   extra Node.js flags for the IdP, space-separated: --idp-node-flags="--max-old-space-size=128"
Environment: DATABASE_URL (a throwaway database; default: an embedded PostgreSQL in a temp folder).`;

/** Read the command line and `DATABASE_URL`; throws with the usage text on anything unexpected. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = explainFailure(() =>
    parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean', default: false },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        repetitions: { type: 'string' },
        json: { type: 'string' },
        only: { type: 'string' },
        profile: { type: 'string' },
        'idp-node-flags': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }),
  );
  if (values.help) throw new UsageError(USAGE);
  const base = values.quick ? QUICK : FULL;
  return {
    warmupSeconds: positive('--warmup', values.warmup, base.warmup, true),
    durationSeconds: positive('--duration', values.duration, base.duration),
    repetitions: Math.round(positive('--repetitions', values.repetitions, base.repetitions)),
    jsonFile: values.json,
    profileDir: values.profile,
    idpNodeFlags: values['idp-node-flags']?.split(/\s+/).filter(Boolean) ?? [],
    only: values.only ? values.only.split(',').map((s) => s.trim()) : [],
    quick: values.quick,
    databaseUrl: env.DATABASE_URL || undefined,
  };
}

function explainFailure<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message}

${USAGE}`,
      { cause: error },
    );
  }
}

/** A command line the bench cannot run with; the message is the usage text. */
export class UsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

function positive(flag: string, raw: string | undefined, fallback: number, zeroAllowed = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0))
    throw new UsageError(`${flag} must be a positive number, not "${raw}"\n\n${USAGE}`);
  return value;
}
