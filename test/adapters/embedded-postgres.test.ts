import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { letOthersThrough } from '../../adapters/db/embedded-postgres.ts';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/**
 * As root, PostgreSQL runs as a system user that must reach its binaries and data inside a
 * checkout that may sit in a private folder (`mktemp -d`, a home directory).
 */
describe('letting the PostgreSQL user through private folders', () => {
  let root: string | undefined;
  afterEach(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

  it('adds search permission for others to each folder on the way, and nothing else', async () => {
    root = await mkdtemp(join(tmpdir(), 'gatehouse-private-'));
    const inner = join(root, 'checkout', 'node_modules');
    await mkdir(inner, { recursive: true, mode: 0o750 });
    await writeFile(join(inner, 'secret'), 'x', { mode: 0o600 });
    expect(await modeOf(root)).toBe(0o700);

    await letOthersThrough(inner);

    expect(await modeOf(root)).toBe(0o701);
    expect(await modeOf(join(root, 'checkout'))).toBe(0o751);
    expect(await modeOf(inner)).toBe(0o751);
    expect(await modeOf(join(inner, 'secret'))).toBe(0o600);
    // Folders that already let others through are left as they were.
    await letOthersThrough(inner);
    expect(await modeOf(root)).toBe(0o701);
  });
});
