import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Start one service as a deployment would, with the given environment only. */
async function start(entry: string, env: Record<string, string>) {
  const failure = await run(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 20_000,
  }).catch((e) => e);
  return { code: failure.code as number, stderr: String(failure.stderr) };
}

describe('a service refuses to start on a bad configuration, naming the variable', () => {
  it('production without HTTPS URLs, database, SMTP and secrets lists every missing variable', async () => {
    const { code, stderr } = await start('idp/main.ts', { NODE_ENV: 'production' });
    expect(code).not.toBe(0);
    for (const name of [
      'DATABASE_URL',
      'SMTP_URL',
      'COOKIE_SECRETS',
      'METRICS_TOKEN',
      'IDP_ISSUER',
      'PORTAL_URL',
    ]) {
      expect(stderr).toContain(`${name}:`);
    }
  });

  it('a cookie secret shorter than 32 characters is refused', async () => {
    const { stderr } = await start('idp/main.ts', { COOKIE_SECRETS: 'short' });
    expect(stderr).toBe('Invalid configuration:\n  COOKIE_SECRETS.0: must be at least 32 characters\n');
  });

  it('the IdP alone needs DATABASE_URL and SMTP_URL', async () => {
    const { code, stderr } = await start('idp/main.ts', {});
    expect(code).not.toBe(0);
    expect(stderr).toContain('DATABASE_URL: required to run the IdP on its own');
  });

  it('the portal alone needs its client secret at the IdP', async () => {
    const { stderr } = await start('portal/main.ts', {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      SMTP_URL: 'smtp://127.0.0.1:1',
    });
    expect(stderr).toContain('PORTAL_CLIENT_SECRET: required to run the portal on its own');
  });
});
