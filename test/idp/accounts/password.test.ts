import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
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

describe('the password policy', () => {
  it('accepts a long uncommon password', () => {
    expect(checkPasswordPolicy('tangerine-Lantern-42', {})).toBeUndefined();
  });

  it('refuses fewer than 8 characters, counted as code points', () => {
    expect(checkPasswordPolicy('Ab1$xyz', {})).toBe('Use at least 8 characters.');
    // Seven emoji are 14 UTF-16 units but 7 characters.
    expect(checkPasswordPolicy('🦊🦊🦊🦊🦊🦊🦊', {})).toBe('Use at least 8 characters.');
    expect(checkPasswordPolicy('🦊🐙🦉🐢🦋🐝🦀🐳', {})).toBeUndefined();
  });

  it('refuses more than 128 characters', () => {
    expect(checkPasswordPolicy('x7'.repeat(64), {})).toBeUndefined();
    expect(checkPasswordPolicy(`${'x7'.repeat(64)}z`, {})).toBe('Use at most 128 characters.');
  });

  it('refuses common passwords whatever their case', () => {
    const common = 'This password is too common. Choose one that is harder to guess.';
    expect(checkPasswordPolicy('password', {})).toBe(common);
    expect(checkPasswordPolicy('Password1', {})).toBe(common);
    expect(checkPasswordPolicy('qwertyuiop', {})).toBe(common);
    expect(checkPasswordPolicy('iloveyou', {})).toBe(common);
  });

  it("refuses passwords containing the person's names or e-mail local part", () => {
    const personal = 'Do not use your name or e-mail address in your password.';
    const context = { email: 'jean-luc.picard@example.com', givenName: 'Jean-Luc', familyName: 'Picard' };
    expect(checkPasswordPolicy('MyPICARD-is-great', context)).toBe(personal);
    expect(checkPasswordPolicy('xx jean-luc.picard xx', context)).toBe(personal);
    expect(checkPasswordPolicy('Luc-forever-2024', context)).toBe(personal);
    expect(checkPasswordPolicy('tangerine-Lantern-42', context)).toBeUndefined();
  });

  it('ignores context words shorter than 3 characters', () => {
    expect(
      checkPasswordPolicy('tangerine-Lantern-42', { givenName: 'Al', familyName: 'Ng' }),
    ).toBeUndefined();
  });
});
