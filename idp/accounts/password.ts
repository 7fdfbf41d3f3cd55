import { availableParallelism } from 'node:os';
import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';

// OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane.
const ARGON2ID = 2 as Algorithm;
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** NIST SP 800-63B §5.1.1.2: at least 8 characters; accept at least 64 (we take 128). */
const PASSWORD_MIN_LENGTH = 8;
const PASSWORD_MAX_LENGTH = 128;

/**
 * How many hashes run at once: one per core this process may run on (`availableParallelism`
 * follows `taskset`). libuv would run 4 whatever the cores; on fewer cores the extra ones only take
 * turns, holding 19 MiB each and evicting each other from the cache. The rest wait their turn. The
 * bench measures the bare hash rate with the same limit.
 */
export const HASHES_IN_FLIGHT = Math.max(1, availableParallelism());

let hashesRunning = 0;
const hashesWaiting: (() => void)[] = [];

/** Hashes running and waiting now (for the tests and, should anyone want it, a gauge). */
export function hashingLoad(): { readonly running: number; readonly waiting: number } {
  return { running: hashesRunning, waiting: hashesWaiting.length };
}

// First come, first served: a finished hash hands its slot straight to the longest-waiting one.
async function oneOfTheHashesInFlight<T>(work: () => Promise<T>): Promise<T> {
  if (hashesRunning < HASHES_IN_FLIGHT) hashesRunning += 1;
  else await new Promise<void>((start) => hashesWaiting.push(start));
  try {
    return await work();
  } finally {
    const next = hashesWaiting.shift();
    if (next) next();
    else hashesRunning -= 1;
  }
}

/**
 * Hash a password with argon2id at the OWASP minimum cost. The input is NFKC-normalised first
 * (NIST SP 800-63B §5.1.1.2), so the same password typed on another keyboard still matches.
 *
 * @example
 *   account.passwordHash = await hashPassword('correct horse battery staple');
 */
export function hashPassword(plain: string): Promise<string> {
  const normalised = plain.normalize('NFKC');
  return oneOfTheHashesInFlight(() => hash(normalised, PARAMS));
}

/** True when `plain` is the password `hash` was made from; false for a malformed hash. */
export async function verifyPassword(hashed: string, plain: string): Promise<boolean> {
  const normalised = plain.normalize('NFKC');
  try {
    return await oneOfTheHashesInFlight(() => verify(hashed, normalised));
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

/** A password policy, ready to use: the problem with `plain`, or `undefined` when it is acceptable. */
export type PasswordPolicy = (plain: string, context: PasswordContext) => string | undefined;

// NIST SP 800-63B §5.1.1.2 / ASVS 2.1.7: refuse values from lists of commonly used or breached
// passwords. zxcvbn-ts ships the field's list (~49,000 entries from public breach corpora). Only
// choosing a password needs it, a rare moment next to signing in: it is loaded then, once, not
// held by every process from start-up.
let commonPasswords: Promise<ReadonlySet<string>> | undefined;

function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common']),
    (error: unknown) => {
      commonPasswords = undefined;
      throw error;
    },
  );
  return commonPasswords;
}

/**
 * The password policy, once its list of common passwords is loaded: 8–128 characters (code points
 * after NFKC), not a common password, and not containing the e-mail's local part or the person's
 * names. No composition rules (NIST SP 800-63B §5.1.1.2 advises against them). For a check inside
 * synchronous validation (the sign-up form); otherwise use `checkPasswordPolicy`.
 */
export async function passwordPolicy(): Promise<PasswordPolicy> {
  const common = await loadCommonPasswords();
  return (plain, context) => {
    const normalised = plain.normalize('NFKC');
    const length = [...normalised].length;
    if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
    if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
    const lower = normalised.toLowerCase();
    if (common.has(lower)) {
      return 'This password is too common. Choose one that is harder to guess.';
    }
    if (contextWords(context).some((word) => lower.includes(word))) {
      return 'Do not use your name or e-mail address in your password.';
    }
    return undefined;
  };
}

/**
 * The problem with a proposed password, in words for the person choosing it, or `undefined` when
 * it is acceptable (see `passwordPolicy`).
 *
 * @example
 *   await checkPasswordPolicy('password1', {}); // 'This password is too common…'
 */
export async function checkPasswordPolicy(
  plain: string,
  context: PasswordContext,
): Promise<string | undefined> {
  return (await passwordPolicy())(plain, context);
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
