import type { EntityManager } from '@mikro-orm/core';
import type { AppError } from '../../adapters/http/errors.ts';
import { domainErrors } from './domain-errors.ts';
import { VerifiedDomain } from './verified-domain.entity.ts';

/**
 * Why `domain` cannot be this organization's: another organization has verified it, a parent of
 * it or a subdomain of it (whoever controls `contoso.com` controls `eu.contoso.com`, so the two
 * cannot belong to different organizations). Undefined when nothing stands in the way. The exact
 * domain is the database's rule too (`verified_domain_owner_key`); parents and subdomains are
 * checked here, under `lockVerifications` where a domain becomes verified.
 */
export async function ownerConflict(
  em: EntityManager,
  organizationId: string,
  domain: string,
): Promise<AppError | undefined> {
  const labels = domain.split('.');
  const parents = labels.slice(1, -1).map((_, i) => labels.slice(i + 1).join('.'));
  const other = await em.findOne(
    VerifiedDomain,
    {
      organization: { $ne: organizationId },
      verifiedAt: { $ne: null },
      // Normalized domains hold only [a-z0-9.-]: no LIKE wildcard to escape.
      $or: [{ domain: { $in: [domain, ...parents] } }, { domain: { $like: `%.${domain}` } }],
    },
    { orderBy: { domain: 'asc' } },
  );
  if (!other) return undefined;
  return other.domain === domain ? domainErrors.taken(domain) : domainErrors.overlaps(domain, other.domain);
}

/**
 * Serialise the transactions that make a domain verified, all organizations together, until they
 * commit: two organizations verifying `contoso.com` and `eu.contoso.com` at once would each see
 * the other unverified. A transaction-scoped advisory lock; verifications are rare.
 */
export async function lockVerifications(em: EntityManager): Promise<void> {
  await em
    .getConnection()
    .execute(
      `select pg_advisory_xact_lock(hashtext('portal.verified_domain.owner'))`,
      [],
      'all',
      em.getTransactionContext(),
    );
}
