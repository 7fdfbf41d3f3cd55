import { queryIn, statement } from '../../adapters/db/statements.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { recordAudit } from '../audit/audit.ts';
import type { PortalDomain } from '../domain.ts';
import { accessExpiredMail } from './access-request-mail.ts';
import { namesOf } from './decide-request.ts';

// A conditional update: only rows still pending and due at `now` change, each by one pass, while a
// row an administrator is deciding right now (locked) is skipped and left to the decision.
const EXPIRE = statement(
  'portal.access-request.expire',
  `with due as (
     select id from portal.access_request
     where status = 'pending' and expires_at <= $1
     order by expires_at, id
     limit $2
     for update skip locked
   ), expired as (
     update portal.access_request r set status = 'expired', decided_by = 'system', decided_at = $1
     from due where r.id = due.id and r.status = 'pending'
     returning r.id, r.organization_id, r.requester_email, r.requester_name
   )
   select e.organization_id, e.requester_email, e.requester_name, o.name as organization_name
   from expired e join portal.organization o on o.id = e.organization_id`,
);

interface ExpiredRow {
  readonly organization_id: string;
  readonly requester_email: string;
  readonly requester_name: string;
  readonly organization_name: string;
}

/**
 * One pass of `access-requests.expire`: the requests still pending 30 days on become expired, and
 * each requester is told by e-mail, in the same transaction (audited `request.expired`). Safe with
 * several instances at once; resolves to how many expired.
 */
export async function expireAccessRequests(domain: PortalDomain, now: Date, limit = 100): Promise<number> {
  return domain.orm.em.fork().transactional(async (tx) => {
    const rows = await queryIn<ExpiredRow>(tx, EXPIRE, [now, limit]);
    for (const row of rows) {
      enqueueMail(
        tx,
        accessExpiredMail({
          to: row.requester_email,
          givenName: namesOf(row.requester_name).givenName,
          organizationName: row.organization_name,
          productName: domain.productName,
          portalUrl: domain.portalUrl,
        }),
      );
      recordAudit(tx, {
        organizationId: row.organization_id,
        actor: 'system',
        action: 'request.expired',
        target: row.requester_name,
        detail: { email: row.requester_email },
      });
    }
    return rows.length;
  });
}
