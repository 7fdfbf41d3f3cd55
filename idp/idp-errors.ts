/**
 * Every code the IdP's errors carry: its own, and the adapters' it answers with too. Callers test
 * them with `isAppError(error, code)`; a code missing here does not compile.
 */
export const IDP_ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'INVALID_CREDENTIALS',
  'EMAIL_NOT_VERIFIED',
  'CODE_INVALID',
  'CODE_EXPIRED',
  'CODE_ATTEMPTS_EXCEEDED',
  'RESET_LINK_INVALID',
  'RESEND_COOLDOWN',
  'RATE_LIMITED',
  'INTERACTION_EXPIRED',
  'SIGNED_OUT',
  'SECOND_FACTOR_CODE_INVALID',
  'SECOND_FACTOR_CODE_USED',
  'RECOVERY_CODE_INVALID',
  'PASSKEY_REFUSED',
  'PASSKEY_UNKNOWN',
  'SIGN_IN_TOO_OLD',
] as const;

export type IdpErrorCode = (typeof IDP_ERROR_CODES)[number];

declare module '../adapters/http/errors.ts' {
  interface ErrorCodes {
    idp: IdpErrorCode;
  }
}
