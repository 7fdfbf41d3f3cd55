/** How long `run` takes, in milliseconds. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Time two ways of doing something `runs` times each, interleaved so that load on the machine hits
 * both alike, and return every sample and the medians. Timing tests compare medians, never one run.
 */
export async function interleavedTimings(
  runs: number,
  first: (i: number) => Promise<unknown>,
  second: (i: number) => Promise<unknown>,
): Promise<{ first: number[]; second: number[]; ratio: number }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timed(() => first(i)));
    b.push(await timed(() => second(i)));
  }
  return { first: a, second: b, ratio: median(a) / median(b) };
}
