import { AppError } from '../../adapters/http/errors.ts';

/** The refusals of the Verified domains section, by stable code. */
export const VERIFIED_DOMAIN_ERROR_CODES = [
  'DOMAIN_PUBLIC_MAIL',
  'DOMAIN_ALREADY_ADDED',
  'DOMAIN_TAKEN',
  'DOMAIN_OVERLAPS',
] as const;

export type VerifiedDomainErrorCode = (typeof VERIFIED_DOMAIN_ERROR_CODES)[number];

declare module '../../adapters/http/errors.ts' {
  interface ErrorCodes {
    verifiedDomains: VerifiedDomainErrorCode;
  }
}

type DomainError = AppError<VerifiedDomainErrorCode>;

const refusal = (code: VerifiedDomainErrorCode, status: number, message: string): DomainError =>
  new AppError(code, status, message, { fields: { domain: message } });

/** Each message says why, and what the administrator can do instead. */
export const domainErrors = {
  publicMail: (domain: string): DomainError =>
    refusal(
      'DOMAIN_PUBLIC_MAIL',
      400,
      `${domain} is a public mail service: anyone can have an address there, so it cannot admit people to this organization. Add your organization's own domain.`,
    ),
  alreadyAdded: (domain: string): DomainError =>
    refusal('DOMAIN_ALREADY_ADDED', 409, `${domain} is already in this organization's verified domains.`),
  taken: (domain: string): DomainError =>
    refusal(
      'DOMAIN_TAKEN',
      409,
      `${domain} is verified by another organization. A domain belongs to one organization only; if it is yours, ask that organization's administrators to remove it, or contact support.`,
    ),
  overlaps: (domain: string, other: string): DomainError =>
    refusal(
      'DOMAIN_OVERLAPS',
      409,
      `${domain} ${other.endsWith(`.${domain}`) ? 'contains' : 'is part of'} ${other}, which another organization has verified. A domain and its subdomains belong to one organization only.`,
    ),
} as const;
