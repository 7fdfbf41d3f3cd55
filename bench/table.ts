import type { Row } from './report.ts';

const HEADERS = [
  '#',
  'Scenario',
  'Median',
  'Spread (min–max)',
  'p50 ms',
  'p99 ms',
  'Service CPU',
  'Per CPU-s',
  'Bare per CPU-s',
  '÷ bare',
  'DB tx/iter',
  'Cores 0/1 busy',
  'Target',
  'Reference',
  'Result',
];

/** The figures as a plain-text table, one row per figure, for the terminal and the README. */
export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    String(row.number),
    row.title,
    `${format(row.median)}${row.unit}`,
    spread(row),
    row.p50Ms === undefined ? '' : row.p50Ms.toFixed(1),
    row.p99Ms === undefined ? '' : row.p99Ms.toFixed(1),
    row.serviceCpu === undefined ? '' : `${Math.round(100 * row.serviceCpu)}%`,
    row.perCoreSecond === undefined ? '' : `${format(row.perCoreSecond)}${row.unit}`,
    row.bare?.perCoreSecond === undefined ? '' : `${format(row.bare.perCoreSecond)}${row.unit}`,
    row.shareOfBare === undefined ? '' : `${(100 * row.shareOfBare).toFixed(1)}%`,
    row.database?.transactions === undefined ? '' : row.database.transactions.toFixed(1),
    row.cores
      ? Object.values(row.cores)
          .map((v) => `${v}%`)
          .join('/')
      : '',
    row.target,
    row.reference,
    `${row.pass === null ? '' : row.pass ? 'pass' : 'MISS'}${contended(row) ? '*' : ''}`,
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const table = [line(HEADERS), rule, ...cells.map(line)];
  if (rows.some(contended)) table.push(CONTENDED_NOTE);
  return table.join('\n');
}

// Below this share of its core, the service was held back by other work on the machine.
const FULL_CORE = 0.9;
const CONTENDED_NOTE =
  '* the measured process used less than 90% of its pinned core (other work on the machine, or ' +
  'waiting on core 1: database and load generator); judged on the per-CPU-second figure';

function contended(row: Row): boolean {
  return row.serviceCpu !== undefined && row.serviceCpu < FULL_CORE;
}

function spread(row: Row): string {
  if (row.unit === 'MB') return row.max === undefined ? '' : `peak ${format(row.max)} MB`;
  if (row.min === undefined || row.max === undefined) return '';
  return `${format(row.min)}–${format(row.max)}`;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(1);
}

/** Where each scenario's database work goes, per iteration: one line per scenario. */
export function renderDatabaseWork(rows: readonly Row[]): string {
  const lines = rows
    .filter((row) => row.database)
    .map((row) => {
      const counters = Object.entries(row.database!)
        .filter(([name]) => name !== 'transactions')
        .sort((a, b) => b[1] - a[1])
        .map(([name, value]) => `${name} ${value}`);
      return `${row.title}: ${row.database!.transactions ?? 0} transactions; ${counters.join(', ')}`;
    });
  return lines.length ? ['Database work per iteration (pg_stat_*):', ...lines].join('\n') : '';
}

/** Where each scenario's CPU goes in the service, per iteration, by kind of thread. */
export function renderThreadCpu(rows: readonly Row[]): string {
  const lines = rows
    .filter((row) => row.threadCpuMs)
    .map((row) => {
      const entries = Object.entries(row.threadCpuMs!).sort((a, b) => b[1] - a[1]);
      const total = entries.reduce((sum, [, ms]) => sum + ms, 0);
      const parts = entries.map(([name, ms]) => `${name} ${ms.toFixed(2)}`);
      return `${row.title}: ${total.toFixed(2)} ms; ${parts.join(', ')}`;
    });
  return lines.length
    ? ['Service CPU per iteration, ms, by thread (/proc/PID/task):', ...lines].join('\n')
    : '';
}

/**
 * Bare oidc-provider's own figures, per scenario it ran: the rate, latency, its share of the core
 * and where its CPU went, to read beside the IdP's lines above.
 */
export function renderBare(rows: readonly Row[]): string {
  const lines = rows
    .filter((row) => row.bare)
    .map((row) => {
      const bare = row.bare!;
      const threads = Object.entries(bare.threadCpuMs ?? {}).sort((a, b) => b[1] - a[1]);
      const total = threads.reduce((sum, [, ms]) => sum + ms, 0);
      return (
        `${row.title}: ${format(bare.median)}/s (${format(bare.min ?? Number.NaN)}–${format(bare.max ?? Number.NaN)}), ` +
        `p50 ${bare.p50Ms?.toFixed(1)} ms, p99 ${bare.p99Ms?.toFixed(1)} ms, service CPU ` +
        `${Math.round(100 * (bare.serviceCpu ?? Number.NaN))}%, ${format(bare.perCoreSecond ?? Number.NaN)}/s per CPU-s; ` +
        `${total.toFixed(2)} ms CPU per iteration (${threads.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')})`
      );
    });
  return lines.length
    ? ['Bare oidc-provider, same core, same run (bench/bare-oidc-provider.ts):', ...lines].join('\n')
    : '';
}
