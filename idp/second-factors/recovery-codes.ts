import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { RecoveryCode } from './second-factor.entity.ts';
import { recoveryCodeInvalid } from './second-factor-errors.ts';
import { secondFactorChangedMail } from './second-factor-mails.ts';
import { limitedAttempt, type SecondStepLimit } from './second-step-limit.ts';

/** Ten codes, each 10 characters of Crockford's base32 (50 bits), shown as `abcde-12345`. */
export const RECOVERY_CODES = { count: 10, length: 10 } as const;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const SHAPE = `A recovery code has ${RECOVERY_CODES.length} letters and digits, like abcde-12345.`;

/**
 * New recovery codes for the account, replacing every earlier one (used or not), returned once to
 * be shown once: only their hashes are stored (NIST SP 800-63B §5.1.2.2). The owner is told by
 * e-mail. One transaction.
 */
export async function createRecoveryCodes(
  em: EntityManager,
  account: { id: string; email: string },
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES.count }, newCode);
  await em.transactional(async (tx) => {
    await tx.nativeDelete(RecoveryCode, { account: account.id });
    for (const code of codes)
      tx.create(RecoveryCode, {
        id: randomUUID(),
        account: account.id,
        codeHash: codeHash(account.id, code),
        usedAt: null,
      });
    enqueueMail(tx, secondFactorChangedMail(account.email, 'recoveryCodesCreated'));
  });
  return codes.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`);
}

/**
 * The second step with a recovery code: accepted once. Marked used by a conditional update, so two
 * requests with one code cannot both pass. Case, spaces and hyphens do not matter.
 */
export async function useRecoveryCode(
  em: EntityManager,
  accountId: string,
  input: string,
  limits?: SecondStepLimit,
): Promise<void> {
  const code = input.toLowerCase().replace(/[\s-]/g, '');
  if (code.length !== RECOVERY_CODES.length || [...code].some((c) => !ALPHABET.includes(c)))
    throw recoveryCodeInvalid(SHAPE);
  await limitedAttempt(limits, accountId, async () => {
    const used = await em
      .fork()
      .nativeUpdate(
        RecoveryCode,
        { account: accountId, codeHash: codeHash(accountId, code), usedAt: null },
        { usedAt: new Date() },
      );
    if (used !== 1) throw recoveryCodeInvalid();
  });
}

/** How many unused recovery codes the account has left. */
export function recoveryCodesLeft(em: EntityManager, accountId: string): Promise<number> {
  return em.fork().count(RecoveryCode, { account: accountId, usedAt: null });
}

function newCode(): string {
  return Array.from({ length: RECOVERY_CODES.length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

// Salted with the account id: equal codes of two accounts hash apart, and a stolen hash list is
// worth a guess per code per account; guesses online are limited per account.
function codeHash(accountId: string, code: string): string {
  return createHash('sha256').update(`${accountId}:${code}`).digest('base64url');
}
