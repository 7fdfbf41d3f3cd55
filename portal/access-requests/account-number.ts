import { randomInt } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

/** 8 digits, no leading zero: what an administrator reads out to a colleague who asks for access. */
const ACCOUNT_NUMBER = /^[1-9][0-9]{7}$/;

/** An account number as a person may type it: spaces and dashes between the digits are fine. */
export function normalizedAccountNumber(typed: string): string | undefined {
  const digits = typed.replace(/[\s-]/g, '');
  return ACCOUNT_NUMBER.test(digits) ? digits : undefined;
}

/**
 * A new organization's account number: random (the numbers say nothing of how many exist or when
 * one was made) and not yet taken; the unique constraint stays the last word.
 */
export async function newAccountNumber(tx: EntityManager): Promise<string> {
  for (;;) {
    const candidate = String(randomInt(10_000_000, 100_000_000));
    if ((await tx.count(Organization, { accountNumber: candidate })) === 0) return candidate;
  }
}
