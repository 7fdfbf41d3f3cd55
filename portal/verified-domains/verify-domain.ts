import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';
import { recordAudit } from '../audit/audit.ts';
import { nowOf, type PortalDomain } from '../domain.ts';
import { lockAdministeredOrganization } from '../organizations/access.ts';
import { domainErrors } from './domain-errors.ts';
import { challengeNameOf } from './domain-name.ts';
import { lockVerifications, ownerConflict } from './ownership.ts';
import type { TxtAnswer, TxtLookup } from './txt-lookup.ts';
import { administeredDomain, type DomainTarget, findDomain } from './verified-domains.ts';

/** How often a verified domain's record is looked for again. */
export const RECHECK_EVERY_MS = 24 * 3600_000;

/** What a look-up of the challenge record found. */
export type RecordCheck = 'found' | 'absent' | 'wrong-value' | 'unreachable';

/** The record holds the challenge (among any other TXT records of the name), or why not. */
export function checkRecord(answer: TxtAnswer, challenge: string): RecordCheck {
  if (answer.kind === 'unreachable') return 'unreachable';
  if (answer.kind === 'absent') return 'absent';
  return answer.values.some((value) => value.trim() === challenge) ? 'found' : 'wrong-value';
}

export type VerifyOutcome =
  | { readonly verified: true }
  | { readonly verified: false; readonly reason: string; readonly status: number; readonly message: string };

/**
 * "Verify": look the TXT record up and, when it holds the challenge, the domain is this
 * organization's (audited `domain.verified`, then re-checked every day). Otherwise nothing is
 * verified, the attempt is audited (`domain.verification-failed`) and the outcome says why. The
 * look-up runs only once the actor is known to administer the organization, and outside the
 * transaction, so no lock waits on the DNS.
 */
export async function verifyDomain(
  domain: PortalDomain,
  lookup: TxtLookup,
  target: DomainTarget,
): Promise<VerifyOutcome> {
  const { verifiedDomain } = await administeredDomain(domain, target);
  if (verifiedDomain.verifiedAt) return { verified: true };
  const check = checkRecord(await lookup(challengeNameOf(verifiedDomain.domain)), verifiedDomain.challenge);
  try {
    return await domain.orm.em.fork().transactional(async (tx) => {
      const organization = await lockAdministeredOrganization(tx, target.actor, target.organizationId);
      const row = await findDomain(tx, organization, target.domainId);
      if (row.verifiedAt) return { verified: true } as const;
      const outcome =
        check === 'found' ? await mayOwn(tx, organization.id, row.domain) : failure(check, row.domain);
      const audit = { organizationId: organization.id, actor: target.actor, target: row.domain };
      if (!outcome.verified) {
        recordAudit(tx, {
          ...audit,
          action: 'domain.verification-failed',
          detail: { reason: outcome.reason },
        });
        return outcome;
      }
      const now = nowOf(domain);
      row.verifiedAt = now;
      row.lastCheckedAt = now;
      row.nextCheckAt = new Date(now.getTime() + RECHECK_EVERY_MS);
      recordAudit(tx, { ...audit, action: 'domain.verified' });
      return outcome;
    });
  } catch (error) {
    // `verified_domain_owner_key`: another organization's verification committed first.
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    const taken = domainErrors.taken(verifiedDomain.domain);
    return { verified: false, reason: taken.code, status: taken.status, message: taken.message };
  }
}

/** The record is there: the domain becomes this organization's unless another one has it (or a parent or subdomain). */
async function mayOwn(tx: EntityManager, organizationId: string, name: string): Promise<VerifyOutcome> {
  await lockVerifications(tx);
  const conflict = await ownerConflict(tx, organizationId, name);
  if (!conflict) return { verified: true };
  return { verified: false, reason: conflict.code, status: conflict.status, message: conflict.message };
}

function failure(check: Exclude<RecordCheck, 'found'>, name: string): VerifyOutcome {
  const record = challengeNameOf(name);
  switch (check) {
    case 'absent':
      return {
        verified: false,
        reason: 'absent',
        status: 422,
        message: `The DNS has no TXT record at ${record} yet. Publish the record below, wait until your DNS provider has published it (often a few minutes), then select Verify again.`,
      };
    case 'wrong-value':
      return {
        verified: false,
        reason: 'wrong-value',
        status: 422,
        message: `The TXT record at ${record} does not hold the value below. Copy the value exactly, publish it, then select Verify again.`,
      };
    case 'unreachable':
      return {
        verified: false,
        reason: 'unreachable',
        status: 503,
        message:
          'The DNS could not be asked right now, so nothing was checked. Try Verify again in a few minutes.',
      };
  }
}
