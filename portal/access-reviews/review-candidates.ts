import type { EntityManager } from '@mikro-orm/core';
import type { Database } from '../../adapters/db/database.ts';
import { query, queryIn, statement } from '../../adapters/db/statements.ts';

const DAY_MS = 86_400_000;

/** An invitation not accepted for this long is listed for review. */
export const STALE_INVITATION_DAYS = 14;

/** Why a professional is listed: no sign-in within the threshold, or an invitation never accepted. */
export type ReviewReason = 'inactive' | 'invitation-unclaimed';

/** One professional an access review asks about. */
export interface ReviewCandidate {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly reason: ReviewReason;
  readonly isAdministrator: boolean;
  /** The last sign-in; null for an active professional who never signed in since joining. */
  readonly lastSignInAt: Date | null;
  /** Inactive: what inactivity counts from. Unclaimed: when the newest invitation was sent. */
  readonly since: Date;
}

/**
 * The review's list, for one organization at `now`:
 *
 * - active professionals whose last sign-in is older than the organization's inactivity threshold.
 *   One who never signed in counts from when they claimed their invitation (which binds them to an
 *   IdP account), or — bound some other way, say by the CLI — from when the row was created: a
 *   member who joined yesterday is not inactive, one who joined a year ago and never came is;
 * - invited professionals whose newest invitation was sent more than 14 days ago and is still not
 *   accepted (an expired link included: it is still an invitation nobody took up).
 *
 * Professionals never invited have no access and are not listed.
 */
const CANDIDATES = statement(
  'portal.access-review.candidates',
  `select p.id, p.given_name, p.family_name, p.email, p.is_administrator, p.status,
          (extract(epoch from p.last_sign_in_at) * 1000)::float8 as last_sign_in_ms,
          (extract(epoch from case when p.status = 'active'
                                   then coalesce(p.last_sign_in_at, i.claimed_at, p.created_at)
                                   else i.sent_at end) * 1000)::float8 as since_ms
     from portal.professional p
     left join lateral (select max(claimed_at) as claimed_at, max(created_at) as sent_at
                          from portal.invitation where professional_id = p.id) i on true
    where p.organization_id = $1
      and ((p.status = 'active' and coalesce(p.last_sign_in_at, i.claimed_at, p.created_at) < $2)
        or (p.status = 'invited' and i.sent_at < $3))
    order by p.family_name, p.given_name, p.id`,
);

interface CandidateRow {
  id: string;
  given_name: string;
  family_name: string;
  email: string;
  is_administrator: boolean;
  status: string;
  // Milliseconds since the epoch: the pool hands timestamps over as text.
  last_sign_in_ms: number | string | null;
  since_ms: number | string;
}

export interface ReviewWindow {
  readonly organizationId: string;
  readonly inactivityDays: number;
  readonly now: Date;
}

function parameters(window: ReviewWindow): unknown[] {
  const t = window.now.getTime();
  return [
    window.organizationId,
    new Date(t - window.inactivityDays * DAY_MS),
    new Date(t - STALE_INVITATION_DAYS * DAY_MS),
  ];
}

function candidateOf(row: CandidateRow): ReviewCandidate {
  return {
    id: row.id,
    name: `${row.given_name} ${row.family_name}`,
    email: row.email,
    reason: row.status === 'active' ? 'inactive' : 'invitation-unclaimed',
    isAdministrator: row.is_administrator,
    lastSignInAt: row.last_sign_in_ms === null ? null : new Date(Number(row.last_sign_in_ms)),
    since: new Date(Number(row.since_ms)),
  };
}

/** The review's list, read outside a transaction (the page). */
export async function reviewCandidates(orm: Database, window: ReviewWindow): Promise<ReviewCandidate[]> {
  return (await query<CandidateRow>(orm, CANDIDATES, parameters(window))).map(candidateOf);
}

/** The review's list, read again inside the completing transaction (after the organization's lock). */
export async function reviewCandidatesIn(
  tx: EntityManager,
  window: ReviewWindow,
): Promise<ReviewCandidate[]> {
  return (await queryIn<CandidateRow>(tx, CANDIDATES, parameters(window))).map(candidateOf);
}
