// `npm run bench`: how many sign-ins, tokens and portal pages one core serves, and in how much memory.
import { writeFile } from 'node:fs/promises';
import { parseBenchOptions, UsageError } from './options.ts';
import { type BenchReport, runBench } from './run-bench.ts';
import { renderBare, renderDatabaseWork, renderTable, renderThreadCpu } from './table.ts';

const stack: Array<() => Promise<void>> = [];
let stopping: Promise<void> | undefined;
const stopAll = () => {
  stopping ??= (async () => {
    for (const stop of stack.reverse()) await stop().catch((error: unknown) => console.error(error));
  })();
  return stopping;
};
// Ctrl-C, or a test runner's timeout: never leave the IdP or the embedded PostgreSQL behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`${signal}: stopping the services and the database`);
    stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

try {
  const options = parseBenchOptions(process.argv.slice(2), process.env);
  const began = Date.now();
  const progress = (line: string) =>
    console.error(`bench +${((Date.now() - began) / 1000).toFixed(1)}s: ${line}`);
  const report = await runBench(options, stack, progress);
  await stopAll();
  console.log(summary(report));
  if (options.quick) console.log('(--quick: a smoke run; these figures are not measurements)');
  if (options.jsonFile) await writeFile(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  await stopAll();
  console.error(error instanceof UsageError ? error.message : error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}

function summary(report: BenchReport): string {
  const { plan } = report;
  return [
    `Gatehouse bench, ${report.startedAt}`,
    `${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}; ` +
      `load average ${report.machine.loadBefore.toFixed(1)} before, ${report.machine.loadAfter.toFixed(1)} after`,
    `${report.pinning}; ${report.database}`,
    `each scenario: ${plan.warmupSeconds} s warm-up, ${plan.repetitions} × ${plan.durationSeconds} s; ` +
      'rates are completed iterations per second, latency is per iteration (a whole sign-in for 1.);',
    'Service CPU: share of one core the service (IdP, portal or bare-hash process) used; Per CPU-s: median ÷ that share;',
    'Bare per CPU-s: bare oidc-provider (same configuration, in memory) on the same core in this run; ÷ bare: Per CPU-s ÷ that',
    '',
    renderTable(report.rows),
    '',
    renderDatabaseWork(report.rows),
    '',
    renderThreadCpu(report.rows),
    '',
    renderBare(report.rows),
  ].join('\n');
}
