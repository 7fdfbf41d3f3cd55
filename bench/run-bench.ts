import { cpus, loadavg } from 'node:os';
import { freePort } from '../adapters/db/embedded-postgres.ts';
import { startSmtpReceiver } from '../adapters/mail/smtp-receiver.ts';
import { measureBareArgon2id } from './bare-argon2id.ts';
import { startBareProvider } from './bare-provider-process.ts';
import { openBenchDatabase } from './bench-database.ts';
import { pinLoadGenerator } from './cpu-pinning.ts';
import { type DatabaseCounters, openDatabaseProbe } from './database-probe.ts';
import { type DeliveredMail, deliveredMail } from './delivered-mail.ts';
import { httpTarget } from './http-client.ts';
import { residentMemory, startIdpProcess } from './idp-process.ts';
import { type LoadPlan, type Measurement, measure } from './load-runner.ts';
import { type BenchOptions, UsageError } from './options.ts';
import { registerBenchPortal, startIssuerProxy, startPortalProcess } from './portal-process.ts';
import {
  memoryRow,
  passkeyRow,
  portalRow,
  type Row,
  secondStepRow,
  shareOfBareRow,
  signInRows,
} from './report.ts';
import { idpScenarios, portalScenario } from './scenarios/index.ts';
import { largeOrganization } from './scenarios/large-organization.ts';
import { type Scenario, type ScenarioContext, signedInPeople } from './scenarios/scenario.ts';
import { type Seed, seedIdp } from './seed.ts';
import { seedPortal } from './seed-portal.ts';
import { serviceNodeFlags } from './service-flags.ts';

/** Everything one run measured, as printed and as written by `--json`. */
export interface BenchReport {
  readonly startedAt: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    /** 1-minute load average before and after: other work on the machine skews every figure. */
    readonly loadBefore: number;
    readonly loadAfter: number;
  };
  readonly pinning: string;
  readonly database: string;
  readonly plan: LoadPlan;
  readonly rows: readonly Row[];
}

// Enough accounts that no two concurrent sign-ins share one.
const ACCOUNTS = 64;
// Password + authenticator app: a code is accepted once per account and 30-second step, so enough
// accounts that none is needed twice in one step at up to ≈ 100 sign-ins per second.
const TOTP_ACCOUNTS = 3_072;
// Connections used to sign in the people whose tokens scenarios 3 and 4 use.
const SIGN_IN_CONNECTIONS = 8;

type Stack = Array<() => Promise<void>>;
type Progress = (line: string) => void;
type BareArgon2id = Measurement & { peakMb: number };

/**
 * Run the bench: database, seed, the bare argon2id rate on the service core, then the IdP in its
 * own pinned process under each scenario, and its memory idle and after the load. `stack` collects
 * what to stop, in reverse, whether the run succeeds or not.
 */
export async function runBench(
  options: BenchOptions,
  stack: Stack,
  progress: Progress,
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  const plan: LoadPlan = {
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    repetitions: options.repetitions,
  };
  const { scenarios, portalWanted } = selectScenarios(options.only);
  const pinning = pinLoadGenerator();
  progress(pinning.note);
  const database = await openBenchDatabase(options.databaseUrl);
  stack.push(() => database.stop());
  progress(
    `database: ${database.description}; seeding ${ACCOUNTS} accounts, ${ACCOUNTS} more for passkeys, ` +
      `${TOTP_ACCOUNTS} with an authenticator app, and one app`,
  );
  const seed = await seedIdp(database.url, {
    accounts: ACCOUNTS,
    passkeyAccounts: ACCOUNTS,
    totpAccounts: TOTP_ACCOUNTS,
  });
  const mail = deliveredMail();
  const smtp = await startSmtpReceiver({ onMail: mail.received });
  stack.push(() => smtp.stop());

  let bare: BareArgon2id | undefined;
  if (scenarios.some((s) => s.id === 'password-sign-in')) {
    progress('1. bare argon2id verify rate on the service core (IdP not started yet)');
    bare = await measureBareArgon2id(plan, pinning);
  }

  // The portal reaches the IdP at its https issuer: a TLS-terminating proxy in this process.
  let portalSetup: PortalSetup | undefined;
  let idpOrigin = '';
  if (portalWanted) {
    const port = await freePort();
    const clientSecret = await registerBenchPortal(database.url, port);
    const proxy = await startIssuerProxy(await freePort(), () => idpOrigin);
    stack.push(() => proxy.stop());
    portalSetup = { port, clientSecret, issuerPort: proxy.port, certificateFile: proxy.certificateFile };
  }

  const idp = await startIdpProcess({
    databaseUrl: database.url,
    smtpUrl: smtp.url,
    pinning,
    profileDir: options.profileDir,
    nodeFlags: [...serviceNodeFlags('idp'), ...options.idpNodeFlags],
    issuerPort: portalSetup?.issuerPort,
  });
  stack.push(() => idp.stop());
  idpOrigin = idp.origin;
  await new Promise((resolve) => setTimeout(resolve, options.quick ? 200 : 2_000));
  const idle = residentMemory(idp.pid);

  const probe = await openDatabaseProbe(database.url);
  stack.push(() => probe.close());
  const context: MeasureContext = {
    origin: idp.origin,
    publicHost: idp.publicHost,
    pid: idp.pid,
    seed,
    plan,
    counters: probe.counters,
    mail,
    signedIn: signedInPeople(() => httpTarget(idp.origin, SIGN_IN_CONNECTIONS, idp.publicHost), seed),
  };
  // Bare oidc-provider on the same core, idle while the IdP is measured and the other way round.
  let bareContext: MeasureContext | undefined;
  if (scenarios.some((s) => s.comparedWithBare)) {
    const bareProvider = await startBareProvider({
      pinning,
      nodeFlags: [...serviceNodeFlags('idp'), ...options.idpNodeFlags],
      accounts: seed.accounts,
      client: seed.client,
    });
    stack.push(() => bareProvider.stop());
    const bareTarget = () => httpTarget(bareProvider.origin, SIGN_IN_CONNECTIONS, bareProvider.publicHost);
    bareContext = {
      ...context,
      origin: bareProvider.origin,
      publicHost: bareProvider.publicHost,
      pid: bareProvider.pid,
      counters: undefined,
      signedIn: signedInPeople(bareTarget, seed),
    };
  }
  const rows: Row[] = [];
  const measuredById = new Map<string, Measurement>();
  for (const scenario of scenarios) {
    progress(`${scenario.number}. ${scenario.title}: ${scenario.users} virtual users`);
    const measured = await measureScenario(scenario, context);
    measuredById.set(scenario.id, measured);
    let bareMeasured: Measurement | undefined;
    if (scenario.comparedWithBare && bareContext) {
      progress(`${scenario.number}. ${scenario.title}: the same against bare oidc-provider`);
      bareMeasured = await measureScenario(scenario, bareContext);
    }
    if (scenario.id === 'password-sign-in') rows.push(...signInRows(measured, bareMeasured!, bare!));
    else if (scenario.id === 'password-totp-sign-in')
      rows.push(secondStepRow(scenario, measured, measuredById.get('password-sign-in')));
    else if (scenario.id === 'passkey-sign-in') rows.push(passkeyRow(scenario, measured));
    else if (bareMeasured) rows.push(shareOfBareRow(scenario, measured, bareMeasured));
    else throw new Error(`no target for scenario ${scenario.id}`);
  }
  const idpLoaded = residentMemory(idp.pid);
  const portalRows: Row[] = [];
  if (portalSetup) {
    const issuer = `https://127.0.0.1:${portalSetup.issuerPort}`;
    progress(`5. ${portalScenario.title}: portal process; ${portalScenario.users} members signing in`);
    const portal = await startPortalProcess({
      databaseUrl: database.url,
      smtpUrl: smtp.url,
      pinning,
      idpIssuer: issuer,
      issuerCertificateFile: portalSetup.certificateFile,
      port: portalSetup.port,
      clientSecret: portalSetup.clientSecret,
      nodeFlags: [...serviceNodeFlags('portal'), ...options.idpNodeFlags],
    });
    stack.push(() => portal.stop());
    await new Promise((resolve) => setTimeout(resolve, options.quick ? 200 : 2_000));
    const portalIdle = residentMemory(portal.pid);
    const portalSeed = await seedPortal(database.url, issuer, seed.accounts.slice(0, portalScenario.users));
    const portalTarget = httpTarget(portal.origin, portalScenario.users);
    const idpTarget = httpTarget(idp.origin, SIGN_IN_CONNECTIONS, idp.publicHost);
    try {
      const users = await portalScenario.prepare({ portal: portalTarget, idp: idpTarget, seed: portalSeed });
      const measured = await measure(users, plan, portal.pid, probe.counters);
      portalRows.push(portalRow(portalScenario, measured));
      // Issue 13 (bench/scenarios/large-organization.ts): the same organization, 10,000 more professionals.
      const large = await largeOrganization.prepare(
        { portal: portalTarget, idp: idpTarget, seed: portalSeed },
        database.url,
      );
      idpTarget.close();
      portalRows.push(largeOrganization.row(await measure(large, plan, portal.pid, probe.counters)));
    } finally {
      portalTarget.close();
      idpTarget.close();
    }
    const portalLoaded = residentMemory(portal.pid);
    portalRows.push(
      memoryRow('portal-memory-idle', 'Portal resident memory, idle', portalIdle.rssMb),
      memoryRow(
        'portal-memory-loaded',
        'Portal resident memory, after the load',
        portalLoaded.rssMb,
        portalLoaded.peakMb,
      ),
    );
  }
  rows.push(...portalRows.filter((row) => row.number === 5));
  rows.push(...memoryRows(idle.rssMb, idpLoaded, bare));
  rows.push(...portalRows.filter((row) => row.number === 6));
  return {
    startedAt,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      loadBefore,
      loadAfter: loadavg()[0]!,
    },
    pinning: pinning.note,
    database: database.description,
    plan,
    rows,
  };
}

/** The scenarios `--only` asks for (ids containing one of its words), all without it. */
function selectScenarios(only: readonly string[]): { scenarios: readonly Scenario[]; portalWanted: boolean } {
  const wanted = (id: string) => only.length === 0 || only.some((word) => id.includes(word));
  const scenarios = idpScenarios.filter((s) => wanted(s.id));
  const portalWanted = wanted(portalScenario.id);
  if (scenarios.length === 0 && !portalWanted)
    throw new UsageError(`--only ${only.join(',')}: no such scenario`);
  return { scenarios, portalWanted };
}

/** The portal's port and client secret, and the https issuer (proxy) it reaches the IdP at. */
interface PortalSetup {
  readonly port: number;
  readonly clientSecret: string;
  readonly issuerPort: number;
  readonly certificateFile: string;
}

interface MeasureContext {
  readonly origin: string;
  /** The host of the IdP's public URL, forwarded with every request (see `httpTarget`). */
  readonly publicHost: string;
  readonly pid: number;
  readonly seed: Seed;
  readonly plan: LoadPlan;
  /** PostgreSQL's counters; none for bare oidc-provider, which has no database. */
  readonly counters: (() => Promise<DatabaseCounters>) | undefined;
  readonly mail: DeliveredMail;
  /** The people whose tokens scenarios 3 and 4 use, signed in once, the first time one asks. */
  readonly signedIn: ScenarioContext['signedIn'];
}

/** One scenario on its own pool of keep-alive connections, one per virtual user. */
async function measureScenario(scenario: Scenario, context: MeasureContext): Promise<Measurement> {
  const { origin, publicHost, seed, signedIn, mail } = context;
  const target = httpTarget(origin, scenario.users, publicHost);
  try {
    const users = await scenario.prepare({
      idp: target,
      issuer: `https://${publicHost}`,
      seed,
      signedIn,
      mail,
    });
    return await measure(users, context.plan, context.pid, context.counters);
  } finally {
    target.close();
  }
}

/** Scenario 6: the IdP idle and after the load; the bare-hash process beside it, for scale. */
function memoryRows(idleMb: number, loaded: { rssMb: number; peakMb: number }, bare?: BareArgon2id): Row[] {
  const rows = [
    memoryRow('idp-memory-idle', 'IdP resident memory, idle', idleMb),
    memoryRow('idp-memory-loaded', 'IdP resident memory, after the load', loaded.rssMb, loaded.peakMb),
  ];
  if (bare) {
    const argon2Alone = memoryRow('bare-argon2id-memory', 'Bare argon2id process, peak', bare.peakMb);
    rows.push({ ...argon2Alone, target: '— (argon2 alone)', reference: '', pass: null });
  }
  return rows;
}
