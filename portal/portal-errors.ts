import { pageNotFound } from '../adapters/http/error-handler.ts';
import { AppError } from '../adapters/http/errors.ts';
import { invalidInput } from '../adapters/http/forms.ts';

/**
 * Every code the portal's errors carry: its own, and the adapters' it answers with too. Callers
 * test them with `isAppError(error, code)`; a code missing here does not compile.
 */
export const PORTAL_ERROR_CODES = [
  'NOT_FOUND',
  'INVALID_INPUT',
  'EMAIL_TAKEN',
  'MANDATORY_ROLE_HELD',
  'LAST_ADMINISTRATOR',
  'LAST_BOUND_ADMINISTRATOR',
  'INVITATION_INVALID',
  'INVITATION_EXPIRED',
  'INVITATION_EMAIL_NOT_VERIFIED',
  'INVITATION_REVOKED',
  'INVITATION_CLAIMED',
  'INVITATION_WRONG_ACCOUNT',
  'ALREADY_MEMBER',
  'SIGN_IN_UNAVAILABLE',
] as const;

export type PortalErrorCode = (typeof PORTAL_ERROR_CODES)[number];

declare module '../adapters/http/errors.ts' {
  interface ErrorCodes {
    portal: PortalErrorCode;
  }
}

type PortalError = AppError<PortalErrorCode>;

/**
 * The portal's user-facing refusals, by stable code. Each message says what happened and what to
 * do; routes render them, tests assert the code.
 */
export const portalErrors = {
  notFound: pageNotFound,
  invalidInput,
  emailTaken: (): PortalError =>
    new AppError(
      'EMAIL_TAKEN',
      409,
      'A professional with this e-mail address already belongs to this account.',
      {
        fields: { email: 'This e-mail address is already in this account.' },
      },
    ),
  mandatoryRoleHeld: (role: string, name: string): PortalError =>
    new AppError(
      'MANDATORY_ROLE_HELD',
      409,
      `${name} is the ${role}, a mandatory role. To remove it, first give the ${role} role to another professional; then you can continue.`,
    ),
  lastAdministrator: (name: string): PortalError =>
    new AppError(
      'LAST_ADMINISTRATOR',
      409,
      `${name} is the last Administrator of this account. Make another professional an Administrator first.`,
    ),
  lastBoundAdministrator: (name: string): PortalError =>
    new AppError(
      'LAST_BOUND_ADMINISTRATOR',
      409,
      `${name} is the only Administrator of this account who has signed in: the other Administrators have not accepted their invitation yet, so nobody could manage the account. Ask another Administrator to open their invitation e-mail and sign in (Send Invite E-mail sends a new one), or ask your partner contact; then try again.`,
    ),
  invitationInvalid: (): PortalError =>
    new AppError(
      'INVITATION_INVALID',
      400,
      'This invitation link is not valid. Ask your administrator or partner contact to send a new invitation.',
    ),
  invitationExpired: (): PortalError =>
    new AppError(
      'INVITATION_EXPIRED',
      410,
      'This invitation has expired. Ask your administrator or partner contact to send a new invitation e-mail.',
    ),
  invitationRevoked: (): PortalError =>
    new AppError(
      'INVITATION_REVOKED',
      410,
      'This invitation was replaced by a newer one. Use the link in the most recent invitation e-mail.',
    ),
  invitationClaimed: (): PortalError =>
    new AppError(
      'INVITATION_CLAIMED',
      409,
      'This invitation has already been used by another account. If that was not you, ask your administrator to send a new invitation.',
    ),
  wrongAccount: (signedInAs: string): PortalError =>
    new AppError(
      'INVITATION_WRONG_ACCOUNT',
      403,
      `You are signed in as ${signedInAs}, but this invitation was sent to another address. Sign out, then open the link again and sign in (or sign up) with the address the invitation was sent to.`,
    ),
  emailNotVerified: (signedInAs: string): PortalError =>
    new AppError(
      'INVITATION_EMAIL_NOT_VERIFIED',
      403,
      `The sign-in you used does not confirm that ${signedInAs || 'your e-mail address'} is yours, so it cannot accept an invitation. Sign out, then open the link again and sign in with an account whose address is verified (or sign up with the address the invitation was sent to).`,
    ),
  alreadyMember: (signedInAs: string): PortalError =>
    new AppError(
      'ALREADY_MEMBER',
      409,
      `The account ${signedInAs} is already a professional of this organization. Sign out and use the invited address, or ask your administrator.`,
    ),
} as const satisfies Record<string, (...args: never[]) => PortalError>;
