import { isAppError } from '../../adapters/http/errors.ts';
import type { RateLimits } from '../rate-limits/rate-limits.ts';

/** The limit second-step codes count against: only the holder of the password can spend it. */
export type SecondStepLimit = Pick<RateLimits, 'secondStepByAccount'>;

const REFUSED_CODES = [
  'SECOND_FACTOR_CODE_INVALID',
  'SECOND_FACTOR_CODE_USED',
  'RECOVERY_CODE_INVALID',
] as const;

/**
 * Check a code of `accountId` under the per-account limit, in PostgreSQL so it holds across
 * instances (NIST SP 800-63B §5.2.2): refused while the account has no attempt left, a wrong,
 * reused or malformed code counts one, a right one clears the count. Without `limits` (tests of
 * the rule alone), nothing is limited.
 */
export async function limitedAttempt<T>(
  limits: SecondStepLimit | undefined,
  accountId: string,
  check: () => Promise<T>,
): Promise<T> {
  if (!limits) return check();
  await limits.secondStepByAccount.check(accountId);
  try {
    const result = await check();
    await limits.secondStepByAccount.reward(accountId);
    return result;
  } catch (error) {
    if (REFUSED_CODES.some((code) => isAppError(error, code)))
      await limits.secondStepByAccount.consume(accountId);
    throw error;
  }
}
