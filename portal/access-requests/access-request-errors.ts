import { AppError } from '../../adapters/http/errors.ts';

/** The refusals of access requests (J16, J17), by stable code. */
export const ACCESS_REQUEST_ERROR_CODES = [
  'ACCOUNT_NUMBER_UNKNOWN',
  'REQUEST_EMAIL_NOT_VERIFIED',
  'REQUEST_ALREADY_PROFESSIONAL',
  'REQUEST_USE_INVITATION',
  'REQUEST_PENDING',
  'REQUEST_LIMIT',
  'REQUEST_DECIDED',
  'REQUEST_EXPIRED',
  'REQUEST_EMAIL_TAKEN',
] as const;

export type AccessRequestErrorCode = (typeof ACCESS_REQUEST_ERROR_CODES)[number];

declare module '../../adapters/http/errors.ts' {
  interface ErrorCodes {
    accessRequests: AccessRequestErrorCode;
  }
}

type AccessRequestError = AppError<AccessRequestErrorCode>;

/** `2026-12-02 18:31 UTC`: when a decision was made, as the refusals and pages say it. */
export function shownTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const accessRequestErrors = {
  // The same answer whether the number is well-formed or not, taken or not: a number names one
  // organization or none, and says nothing more.
  accountNumberUnknown: (): AccessRequestError =>
    new AppError(
      'ACCOUNT_NUMBER_UNKNOWN',
      404,
      'No organization has that account number. Check the number with an administrator of the organization: they see it on their organization page.',
      { fields: { accountNumber: 'No organization has that account number.' } },
    ),
  emailNotVerified: (email: string): AccessRequestError =>
    new AppError(
      'REQUEST_EMAIL_NOT_VERIFIED',
      403,
      `The sign-in you used does not confirm that ${email || 'your e-mail address'} is yours, so an administrator could not tell who is asking. Sign out, then sign in with an account whose address is verified.`,
    ),
  /** To the requester; with `requester`, to the administrator approving their request. */
  alreadyProfessional: (organizationName: string, requester?: string): AccessRequestError =>
    new AppError(
      'REQUEST_ALREADY_PROFESSIONAL',
      409,
      requester
        ? `${requester} is already a professional of ${organizationName} (an invitation was accepted meanwhile). Decline the request to close it.`
        : `You are already a professional of ${organizationName}: there is nothing to request.`,
    ),
  useInvitation: (organizationName: string, email: string): AccessRequestError =>
    new AppError(
      'REQUEST_USE_INVITATION',
      409,
      `${organizationName} has already invited ${email}. Open the link in the invitation e-mail sent to that address (ask an administrator for a new one if it has expired).`,
    ),
  pending: (organizationName: string): AccessRequestError =>
    new AppError(
      'REQUEST_PENDING',
      409,
      `You have already asked ${organizationName} for access. Its administrators have been told; you will receive an e-mail when one of them decides.`,
    ),
  limit: (perDay: number, retryAfterSeconds: number): AccessRequestError =>
    new AppError(
      'REQUEST_LIMIT',
      429,
      `You have made ${perDay} access requests in the last 24 hours, the most one person may make. Try again later.`,
      { retryAfterSeconds },
    ),
  decided: (status: 'approved' | 'declined', by: string, at: Date): AccessRequestError =>
    new AppError('REQUEST_DECIDED', 409, `Already ${status} by ${by} at ${shownTime(at)}.`),
  expired: (at: Date): AccessRequestError =>
    new AppError(
      'REQUEST_EXPIRED',
      410,
      `This request expired at ${shownTime(at)}, unanswered. The person can ask again.`,
    ),
  emailTaken: (email: string): AccessRequestError =>
    new AppError(
      'REQUEST_EMAIL_TAKEN',
      409,
      `A professional with the e-mail address ${email} already belongs to this account. Delete that professional, or send them an invitation e-mail instead.`,
    ),
} as const satisfies Record<string, (...args: never[]) => AccessRequestError>;
