import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startPeriodicWork } from '../../adapters/jobs/periodic-work.ts';

const quietLogger = () => {
  const warnings: { task: string }[] = [];
  return { warnings, warn: (fields: object) => void warnings.push(fields as { task: string }) };
};

describe('periodic work', () => {
  it('runs a task at once, again at once while it reports a full batch, otherwise after its pause', async () => {
    const logger = quietLogger();
    const handled = [3, 3, 1, 0];
    const passes: number[] = [];
    const everyMs = 400;
    const run = async () => {
      passes.push(performance.now());
      return handled.shift() ?? 0;
    };
    const work = startPeriodicWork([{ name: 'demo', everyMs, batchSize: 3, run }], logger);
    while (passes.length < 4) await sleep(10);
    await work.stop();
    const stoppedWith = passes.length;
    const gaps = passes.slice(1).map((at, i) => at - (passes[i] as number));
    // 3 and 3 of a batch of 3: the next pass follows at once; after 1 of 3 it waits its pause.
    expect(gaps[0]).toBeLessThan(everyMs / 2);
    expect(gaps[1]).toBeLessThan(everyMs / 2);
    expect(gaps[2]).toBeGreaterThanOrEqual(everyMs - 5);
    await sleep(everyMs + 100);
    expect(passes.length).toBe(stoppedWith);
    expect(logger.warnings).toEqual([]);
  });

  it('logs a pass that throws, with the task name, and tries again on the next one', async () => {
    const logger = quietLogger();
    let calls = 0;
    const work = startPeriodicWork(
      [
        {
          name: 'flaky',
          everyMs: 10,
          batchSize: 10,
          run: async () => {
            calls += 1;
            if (calls === 1) throw new Error('database down');
            return 0;
          },
        },
      ],
      logger,
    );
    while (calls < 2) await sleep(5);
    await work.stop();
    expect(logger.warnings.map((w) => w.task)).toEqual(['flaky']);
  });
});
