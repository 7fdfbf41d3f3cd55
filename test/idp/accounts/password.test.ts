import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  HASHES_IN_FLIGHT,
  hashingLoad,
  hashPassword,
  needsRehash,
  type PasswordPolicy,
  passwordPolicy,
  verifyPassword,
} from '../../../idp/accounts/password.ts';

describe('password hashing', () => {
  it('stores passwords as argon2id with the OWASP minimum cost', async () => {
    const hashed = await hashPassword('tangerine-Lantern-42');
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(needsRehash(hashed)).toBe(false);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const hashed = await hashPassword('tangerine-Lantern-42');
    expect(await verifyPassword(hashed, 'tangerine-Lantern-42')).toBe(true);
    expect(await verifyPassword(hashed, 'tangerine-lantern-42')).toBe(false);
  });

  it('matches the same password typed in another Unicode form', async () => {
    const hashed = await hashPassword('ｆｕｌｌ-width-Ｐａｓｓ');
    expect(await verifyPassword(hashed, 'full-width-Pass')).toBe(true);
  });

  it('refuses every password against a malformed hash instead of throwing', async () => {
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });

  it('asks for a rehash of a hash made with weaker parameters', () => {
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG')).toBe(
      true,
    );
  });
});

describe('hashes in flight', () => {
  it('runs at most one hash per core at once; the others wait their turn, and all finish', async () => {
    const hashed = await hashPassword('tangerine-Lantern-42');
    const count = HASHES_IN_FLIGHT * 3 + 1;
    const verifies = Array.from({ length: count }, (_, i) =>
      // Right, wrong and malformed: a hash that throws must give its turn back too.
      verifyPassword(i % 3 === 2 ? 'not a hash' : hashed, i % 3 === 0 ? 'tangerine-Lantern-42' : 'wrong'),
    );
    expect(hashingLoad()).toEqual({ running: HASHES_IN_FLIGHT, waiting: count - HASHES_IN_FLIGHT });
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, hashingLoad().running);
    }, 1);
    const results = await Promise.all(verifies);
    clearInterval(watch);
    expect(results).toEqual(Array.from({ length: count }, (_, i) => i % 3 === 0));
    expect(most).toBeLessThanOrEqual(HASHES_IN_FLIGHT);
    expect(hashingLoad()).toEqual({ running: 0, waiting: 0 });
  });

  it('counts hashing new passwords too', async () => {
    const hashes = [1, 2, 3].flatMap(() => Array.from({ length: HASHES_IN_FLIGHT }, () => hashPassword('x')));
    expect(hashingLoad()).toEqual({ running: HASHES_IN_FLIGHT, waiting: 2 * HASHES_IN_FLIGHT });
    expect(await Promise.all(hashes)).toHaveLength(3 * HASHES_IN_FLIGHT);
    expect(hashingLoad()).toEqual({ running: 0, waiting: 0 });
  });
});

describe('what a process loads and runs', () => {
  // A fresh Node process, as production starts one: this test file has long loaded everything.
  const inNewProcess = async (script: string, prefix: string[] = []) => {
    const args = [...prefix, process.execPath, '--input-type=module', '-e', script];
    const { stdout } = await promisify(execFile)(args[0]!, args.slice(1), { cwd: process.cwd() });
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  it('does not load the common-password list until a password is chosen', async () => {
    const seen = await inNewProcess(`
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      const dictionary = () => loaded.some((url) => url.includes('@zxcvbn-ts/language-common'));
      await import('./idp/service.ts');
      const atStart = dictionary();
      const { checkPasswordPolicy } = await import('./idp/accounts/password.ts');
      const problem = await checkPasswordPolicy('password', {});
      console.log(JSON.stringify({ atStart, whenChoosing: dictionary(), problem }));
    `);
    expect(seen).toEqual({
      atStart: false,
      whenChoosing: true,
      problem: 'This password is too common. Choose one that is harder to guess.',
    });
  }, 30_000);

  it.runIf(process.platform === 'linux')(
    'allows as many hashes at once as the cores the process may use',
    async () => {
      const seen = await inNewProcess(
        `const { HASHES_IN_FLIGHT } = await import('./idp/accounts/password.ts');
       console.log(JSON.stringify({ HASHES_IN_FLIGHT }));`,
        ['taskset', '-c', '0'],
      );
      expect(seen).toEqual({ HASHES_IN_FLIGHT: 1 });
    },
  );
});

describe('the password policy', () => {
  let policy: PasswordPolicy;
  beforeAll(async () => {
    policy = await passwordPolicy();
  });

  it('accepts a long uncommon password', () => {
    expect(policy('tangerine-Lantern-42', {})).toBeUndefined();
  });

  it('refuses fewer than 8 characters, counted as code points', () => {
    expect(policy('Ab1$xyz', {})).toBe('Use at least 8 characters.');
    // Seven emoji are 14 UTF-16 units but 7 characters.
    expect(policy('🦊🦊🦊🦊🦊🦊🦊', {})).toBe('Use at least 8 characters.');
    expect(policy('🦊🐙🦉🐢🦋🐝🦀🐳', {})).toBeUndefined();
  });

  it('refuses more than 128 characters', () => {
    expect(policy('x7'.repeat(64), {})).toBeUndefined();
    expect(policy(`${'x7'.repeat(64)}z`, {})).toBe('Use at most 128 characters.');
  });

  it('refuses common passwords whatever their case', () => {
    const common = 'This password is too common. Choose one that is harder to guess.';
    expect(policy('password', {})).toBe(common);
    expect(policy('Password1', {})).toBe(common);
    expect(policy('qwertyuiop', {})).toBe(common);
    expect(policy('iloveyou', {})).toBe(common);
  });

  it("refuses passwords containing the person's names or e-mail local part", () => {
    const personal = 'Do not use your name or e-mail address in your password.';
    const context = { email: 'jean-luc.picard@example.com', givenName: 'Jean-Luc', familyName: 'Picard' };
    expect(policy('MyPICARD-is-great', context)).toBe(personal);
    expect(policy('xx jean-luc.picard xx', context)).toBe(personal);
    expect(policy('Luc-forever-2024', context)).toBe(personal);
    expect(policy('tangerine-Lantern-42', context)).toBeUndefined();
  });

  it('ignores context words shorter than 3 characters', () => {
    expect(policy('tangerine-Lantern-42', { givenName: 'Al', familyName: 'Ng' })).toBeUndefined();
  });

  it('is also there as one call, loading the list when first asked', async () => {
    expect(await checkPasswordPolicy('iloveyou', {})).toBe(
      'This password is too common. Choose one that is harder to guess.',
    );
    expect(await checkPasswordPolicy('tangerine-Lantern-42', {})).toBeUndefined();
  });
});
