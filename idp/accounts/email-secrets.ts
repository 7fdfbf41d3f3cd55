import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Account, EmailSecret } from './account.entity.ts';

type Purpose = EmailSecret['purpose'];

/** A verification code lives 15 minutes and allows 5 guesses (NIST SP 800-63B §5.1.1.2, §5.2.2). */
export const VERIFICATION_CODE = { ttlMs: 15 * 60_000, maxAttempts: 5 } as const;
/** A password reset link lives 30 minutes (OWASP Forgot Password Cheat Sheet). */
export const RESET_TOKEN = { ttlMs: 30 * 60_000 } as const;

/**
 * Make a new 6-digit code for the account's address, retiring any earlier one, and return it to be
 * mailed. Stored as SHA-256 salted with the row id: a leaked table does not hand out codes, and
 * two accounts holding the same code do not show it.
 */
export async function issueVerificationCode(em: EntityManager, account: Account, now: Date): Promise<string> {
  await retireSecrets(em, account, 'verify-email', now);
  const id = randomUUID();
  // crypto.randomInt: uniform, from a CSPRNG (ASVS 2.7.6: 20 bits of entropy at least).
  const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
  create(em, account, 'verify-email', id, sha256(`${id}:${code}`), now, VERIFICATION_CODE.ttlMs);
  return code;
}

/** True when `code` (spaces ignored) is the one this secret was made from; constant-time. */
export function codeMatches(secret: EmailSecret, code: string): boolean {
  const candidate = Buffer.from(sha256(`${secret.id}:${code.replace(/\s+/g, '')}`));
  const stored = Buffer.from(secret.secretHash);
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}

/**
 * Make a new single-use password reset token (256 random bits, base64url), retiring earlier ones,
 * and return it for the link. Only its SHA-256 is stored, which is what a link is looked up by.
 */
export async function issueResetToken(em: EntityManager, account: Account, now: Date): Promise<string> {
  await retireSecrets(em, account, 'reset-password', now);
  const token = randomBytes(32).toString('base64url');
  create(em, account, 'reset-password', randomUUID(), resetTokenHash(token), now, RESET_TOKEN.ttlMs);
  return token;
}

/** What a reset token is stored and found as. */
export function resetTokenHash(token: string): string {
  return sha256(token);
}

/** Mark every live secret of this purpose used, so only the newest one (if any) works. */
export async function retireSecrets(
  em: EntityManager,
  account: Account,
  purpose: Purpose,
  now: Date,
): Promise<void> {
  await em.nativeUpdate(EmailSecret, { account, purpose, consumedAt: null }, { consumedAt: now });
}

function create(
  em: EntityManager,
  account: Account,
  purpose: Purpose,
  id: string,
  secretHash: string,
  now: Date,
  ttlMs: number,
): void {
  em.create(EmailSecret, {
    id,
    account,
    purpose,
    secretHash,
    attempts: 0,
    expiresAt: new Date(now.getTime() + ttlMs),
    createdAt: now,
  });
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
