import { describe, expect, it } from 'vitest';
import { pageNotFound, toAppError } from '../../adapters/http/error-handler.ts';
import { AppError, isAppError, SHARED_ERROR_CODES } from '../../adapters/http/errors.ts';
import { invalidInput } from '../../adapters/http/forms.ts';
import {
  accountNotFound,
  codeError,
  EmailNotVerifiedError,
  invalidCredentials,
  resendCooldown,
  resetLinkInvalid,
} from '../../idp/accounts/account-errors.ts';
import { IDP_ERROR_CODES } from '../../idp/idp-errors.ts';
import { rateLimited } from '../../idp/rate-limits/rate-limit-rows.ts';
import {
  ACCESS_REQUEST_ERROR_CODES,
  accessRequestErrors,
} from '../../portal/access-requests/access-request-errors.ts';
import { PORTAL_ERROR_CODES, portalErrors } from '../../portal/portal-errors.ts';

const idpErrors: AppError[] = [
  invalidInput({ email: 'Enter your e-mail address.' }),
  invalidCredentials(),
  codeError('CODE_INVALID'),
  codeError('CODE_EXPIRED'),
  codeError('CODE_ATTEMPTS_EXCEEDED'),
  resetLinkInvalid(),
  accountNotFound(),
  new EmailNotVerifiedError({ id: '00000000-0000-4000-8000-000000000000', email: 'ada@example.com' }),
  resendCooldown(30),
  rateLimited({ msBeforeNext: 60_000 }),
];

const portalRefusals: AppError[] = [
  portalErrors.notFound(),
  portalErrors.invalidInput({ givenName: 'Enter the first name.' }),
  portalErrors.emailTaken(),
  portalErrors.mandatoryRoleHeld('Billing Contact', 'Ada Lovelace'),
  portalErrors.lastAdministrator('Ada Lovelace'),
  portalErrors.lastBoundAdministrator('Ada Lovelace'),
  portalErrors.invitationInvalid(),
  portalErrors.invitationExpired(),
  portalErrors.invitationRevoked(),
  portalErrors.invitationClaimed(),
  portalErrors.wrongAccount('grace@example.com'),
  portalErrors.emailNotVerified('grace@example.com'),
  portalErrors.alreadyMember('grace@example.com'),
];

const sharedErrors: AppError[] = [
  pageNotFound(),
  invalidInput({}),
  toAppError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
  toAppError(Object.assign(new Error('Bad Request'), { status: 400, expose: true })),
  toAppError(new Error('a bug')),
];

describe('error codes: one literal union per service', () => {
  it.each([
    ['IdP', idpErrors, IDP_ERROR_CODES],
    ['portal', portalRefusals, PORTAL_ERROR_CODES],
    ['adapters', sharedErrors, SHARED_ERROR_CODES],
  ] as const)("every %s factory's code is in that service's list", (_, errors, codes) => {
    for (const error of errors) expect(codes).toContain(error.code);
  });

  it('covers every portal factory', () => {
    expect(portalRefusals).toHaveLength(Object.keys(portalErrors).length);
  });

  it('access requests list each of their codes once, none of them the portal’s', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const refusals: AppError[] = [
      accessRequestErrors.accountNumberUnknown(),
      accessRequestErrors.emailNotVerified('grace@example.com'),
      accessRequestErrors.alreadyProfessional('Northwind'),
      accessRequestErrors.useInvitation('Northwind', 'grace@example.com'),
      accessRequestErrors.pending('Northwind'),
      accessRequestErrors.limit(5, 60),
      accessRequestErrors.decided('approved', 'ann@example.com', at),
      accessRequestErrors.expired(at),
      accessRequestErrors.emailTaken('grace@example.com'),
    ];
    expect(refusals).toHaveLength(Object.keys(accessRequestErrors).length);
    expect(refusals.map((e) => e.code).sort()).toEqual([...ACCESS_REQUEST_ERROR_CODES].sort());
    for (const code of ACCESS_REQUEST_ERROR_CODES) expect(PORTAL_ERROR_CODES).not.toContain(code);
  });

  it('lists each code once', () => {
    for (const codes of [IDP_ERROR_CODES, PORTAL_ERROR_CODES, SHARED_ERROR_CODES]) {
      expect(new Set(codes).size).toBe(codes.length);
    }
  });

  it('tells codes apart through isAppError, and a code nobody throws does not compile', () => {
    const error: unknown = resetLinkInvalid();
    expect(isAppError(error, 'RESET_LINK_INVALID')).toBe(true);
    expect(isAppError(error, 'NOT_FOUND')).toBe(false);
    // @ts-expect-error 'NO_SUCH_CODE' is in no service's list of codes.
    expect(isAppError(error, 'NO_SUCH_CODE')).toBe(false);
    // @ts-expect-error nor can an error be thrown with it.
    expect(new AppError('NO_SUCH_CODE', 400, 'Nobody throws this.').status).toBe(400);
  });
});
