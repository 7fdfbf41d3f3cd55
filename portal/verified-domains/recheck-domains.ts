import { type EntityManager, LockMode } from '@mikro-orm/core';
import type { PeriodicTask } from '../../adapters/jobs/periodic-work.ts';
import { recordAudit } from '../audit/audit.ts';
import type { PortalDomain } from '../domain.ts';
import type { PortalContext } from '../portal-context.ts';
import { mailAdministrators } from './domain-mail.ts';
import { challengeNameOf } from './domain-name.ts';
import { type TxtLookup, txtLookup } from './txt-lookup.ts';
import { VerifiedDomain } from './verified-domain.entity.ts';
import { checkRecord, RECHECK_EVERY_MS, type RecordCheck } from './verify-domain.ts';

/** When no resolver answered, the next try. */
export const RETRY_UNREACHABLE_MS = 3600_000;
/**
 * How long a verified domain keeps its status while no resolver answers. A resolver outage says
 * nothing about the record, so it never drops a domain at once; but a domain nobody could confirm
 * for this long is dropped, as the record may be gone since.
 */
export const UNCONFIRMED_GRACE_MS = 3 * 24 * 3600_000;

/**
 * One pass of the periodic re-check, at `now`: the verified domains whose `next_check_at` is due,
 * locked `FOR UPDATE SKIP LOCKED` (another instance takes other rows, none waits), their records
 * looked up side by side. The record there: checked again tomorrow. An answer without it
 * (`NXDOMAIN`, no TXT record, another value): the domain loses its status at once, audited
 * `domain.lost`, its administrators e-mailed. No answer: kept, tried again in an hour, and lost
 * only when unconfirmed for `UNCONFIRMED_GRACE_MS`. Resolves to the domains checked.
 */
export function recheckVerifiedDomains(
  domain: PortalDomain,
  lookup: TxtLookup,
  batchSize: number,
): (now: Date) => Promise<number> {
  return (now) =>
    domain.orm.em.fork().transactional(async (tx) => {
      const due = await tx.find(
        VerifiedDomain,
        { verifiedAt: { $ne: null }, nextCheckAt: { $lte: now } },
        { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { nextCheckAt: 'asc' }, limit: batchSize },
      );
      const checks = await Promise.all(
        due.map(async (row) => checkRecord(await lookup(challengeNameOf(row.domain)), row.challenge)),
      );
      for (const [index, row] of due.entries())
        await applyCheck(tx, domain.productName, row, checks[index]!, now);
      return due.length;
    });
}

async function applyCheck(
  tx: EntityManager,
  productName: string,
  row: VerifiedDomain,
  check: RecordCheck,
  now: Date,
): Promise<void> {
  if (check === 'found') {
    row.lastCheckedAt = now;
    row.nextCheckAt = new Date(now.getTime() + RECHECK_EVERY_MS);
    return;
  }
  if (check === 'unreachable') {
    const confirmedAt = row.lastCheckedAt ?? row.verifiedAt!;
    if (now.getTime() - confirmedAt.getTime() < UNCONFIRMED_GRACE_MS) {
      row.nextCheckAt = new Date(now.getTime() + RETRY_UNREACHABLE_MS);
      return;
    }
  }
  row.verifiedAt = null;
  row.nextCheckAt = null;
  recordAudit(tx, {
    organizationId: row.organization.id,
    actor: 'system',
    action: 'domain.lost',
    target: row.domain,
    detail: { reason: check },
  });
  const organization = await tx.populate(row, ['organization']);
  await mailAdministrators(tx, organization.organization, productName, {
    kind: 'domain-lost',
    domain: row.domain,
    reason: REASONS[check](challengeNameOf(row.domain)),
  });
}

const REASONS: Record<Exclude<RecordCheck, 'found'>, (record: string) => string> = {
  absent: (record) => `its TXT record at ${record} is gone.`,
  'wrong-value': (record) => `the TXT record at ${record} no longer holds the organization's value.`,
  unreachable: (record) =>
    `for ${UNCONFIRMED_GRACE_MS / (24 * 3600_000)} days no DNS server could be asked for ${record}.`,
};

/** The periodic task (`portal/periodic-work.ts`): due domains every five minutes, twenty at a time. */
export function recheckVerifiedDomainsTask(portal: PortalContext): PeriodicTask {
  return {
    name: 'verified-domains.recheck',
    everyMs: 5 * 60_000,
    batchSize: 20,
    run: recheckVerifiedDomains(portal.domain, txtLookup(portal.config.DNS_SERVERS), 20),
  };
}
