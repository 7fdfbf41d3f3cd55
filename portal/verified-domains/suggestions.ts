import type { EntityManager } from '@mikro-orm/core';
import type { VerifiedIdentity } from '../domain.ts';
import { mailDomainOfAddress } from './domain-name.ts';
import { VerifiedDomain } from './verified-domain.entity.ts';

/** An organization offered by name to a person of its verified domain (J16). */
export interface SuggestedOrganization {
  readonly id: string;
  readonly name: string;
}

/**
 * The domain part of an address as verified domains are stored (lower case, internationalized
 * names in ASCII, `normalizeDomain`); undefined when there is none or it is no valid domain.
 */
export function mailDomainOf(email: string): string | undefined {
  return mailDomainOfAddress(email);
}

/**
 * The organizations whose verified domain is the domain of the person's *verified* e-mail and lets
 * itself be suggested. An unverified e-mail gets none: anyone can type any address at sign-up.
 */
export async function organizationsSuggestedTo(
  em: EntityManager,
  person: Pick<VerifiedIdentity, 'email' | 'emailVerified'>,
): Promise<SuggestedOrganization[]> {
  const domain = person.emailVerified ? mailDomainOf(person.email) : undefined;
  if (!domain) return [];
  const rows = await em.find(
    VerifiedDomain,
    { domain, verifiedAt: { $ne: null }, enrolment: 'suggest' },
    { populate: ['organization'], orderBy: { organization: { name: 'asc' } } },
  );
  return rows.map((row) => ({ id: row.organization.id, name: row.organization.name }));
}
