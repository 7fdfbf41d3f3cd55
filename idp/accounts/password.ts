import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

// OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane.
const ARGON2ID = 2 as Algorithm;
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** NIST SP 800-63B §5.1.1.2: at least 8 characters; accept at least 64 (we take 128). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// NIST SP 800-63B §5.1.1.2 / ASVS 2.1.7: refuse values from lists of commonly used or breached
// passwords. zxcvbn-ts ships the field's list (~49,000 entries from public breach corpora).
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common']);

/**
 * Hash a password with argon2id at the OWASP minimum cost. The input is NFKC-normalised first
 * (NIST SP 800-63B §5.1.1.2), so the same password typed on another keyboard still matches.
 *
 * @example
 *   account.passwordHash = await hashPassword('correct horse battery staple');
 */
export function hashPassword(plain: string): Promise<string> {
  return hash(plain.normalize('NFKC'), PARAMS);
}

/** True when `plain` is the password `hash` was made from; false for a malformed hash. */
export async function verifyPassword(hashed: string, plain: string): Promise<boolean> {
  try {
    return await verify(hashed, plain.normalize('NFKC'));
  } catch {
    // A hash that does not parse matches no password: the caller answers "incorrect".
    return false;
  }
}

/** True when `hashed` was made with weaker or other parameters than today's: rehash at sign-in. */
export function needsRehash(hashed: string): boolean {
  const used = parseOptions(hashed);
  return (
    used.algorithm !== PARAMS.algorithm ||
    used.memoryCost !== PARAMS.memoryCost ||
    used.timeCost !== PARAMS.timeCost ||
    used.parallelism !== PARAMS.parallelism
  );
}

/** Words a person's password must not contain: who they are, to an attacker who knows them. */
export interface PasswordContext {
  readonly email?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  /** Other context-specific words, such as the service's name (NIST SP 800-63B §5.1.1.2). */
  readonly otherWords?: readonly string[];
}

/**
 * The problem with a proposed password, in words for the person choosing it, or `undefined` when
 * it is acceptable: 8–128 characters (code points after NFKC), not a common password, and not
 * containing the e-mail's local part or the person's names. No composition rules (NIST SP
 * 800-63B §5.1.1.2 advises against them).
 *
 * @example
 *   checkPasswordPolicy('password1', {}); // 'This password is too common…'
 */
export function checkPasswordPolicy(plain: string, context: PasswordContext): string | undefined {
  const normalised = plain.normalize('NFKC');
  const length = [...normalised].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const lower = normalised.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) {
    return 'This password is too common. Choose one that is harder to guess.';
  }
  if (contextWords(context).some((word) => lower.includes(word))) {
    return 'Do not use your name or e-mail address in your password.';
  }
  return undefined;
}

// Words shorter than 3 characters would refuse too much ("Al", "Li"), so they are ignored.
function contextWords(context: PasswordContext): string[] {
  const local = context.email?.split('@')[0] ?? '';
  const names = [context.givenName ?? '', context.familyName ?? ''];
  const words = [
    local,
    ...local.split(/[._+-]/),
    ...names,
    ...names.flatMap((name) => name.split(/[\s'’.-]+/)),
    ...(context.otherWords ?? []),
  ];
  return words.map((word) => word.normalize('NFKC').toLowerCase()).filter((word) => [...word].length >= 3);
}
