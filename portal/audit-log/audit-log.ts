import type { Actor, PortalDomain } from '../domain.ts';
import { administeredOrganization } from '../organizations/access.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import {
  type AuditCursor,
  type AuditFilters,
  type AuditRow,
  auditPage,
  decodeCursor,
  parseFilters,
} from './audit-query.ts';
import { csvRecord } from './csv.ts';

/** Events on one page of the Audit log. */
export const PAGE_SIZE = 50;
/** Events read per query while exporting: the export never holds more than this in memory. */
const EXPORT_BATCH = 500;

export interface AuditLogRequest {
  readonly actor: Actor;
  readonly organizationId: string;
  /** The query string: person, action, from, to, and `before` (the Older link's cursor). */
  readonly query: Record<string, unknown>;
}

/**
 * One page of an organization's Audit log, newest first: for an administrator of the organization
 * or of its partner; anyone else is told it does not exist. Bad filters or a tampered cursor are
 * refused (400) before anything is read.
 */
export async function auditLog(
  domain: PortalDomain,
  input: AuditLogRequest,
): Promise<{ organization: Organization; filters: AuditFilters; rows: AuditRow[]; older?: AuditCursor }> {
  const organization = await administeredOrganization(domain, input.actor, input.organizationId);
  const filters = parseFilters(input.query);
  const cursor = decodeCursor(input.query.before);
  const page = await auditPage(domain.orm, organization.id, filters, cursor, PAGE_SIZE);
  return { organization, filters, ...page };
}

const HEADER = ['At (UTC)', 'Actor', 'Action', 'Target', 'Detail'];

/**
 * The export: authorized and validated first (so a refusal is a page, not a cut-off file), then
 * the CSV as an async sequence of chunks, read page by page on the same keyset as the page.
 */
export async function auditCsv(
  domain: PortalDomain,
  input: AuditLogRequest,
): Promise<{ organization: Organization; chunks: AsyncIterable<string> }> {
  const organization = await administeredOrganization(domain, input.actor, input.organizationId);
  const filters = parseFilters(input.query);
  async function* chunks(): AsyncGenerator<string> {
    yield csvRecord(HEADER);
    let cursor: AuditCursor | undefined;
    do {
      const page = await auditPage(domain.orm, organization.id, filters, cursor, EXPORT_BATCH);
      yield page.rows
        .map((row) => csvRecord([row.at, row.actor, row.action, row.target, JSON.stringify(row.detail)]))
        .join('');
      cursor = page.older;
    } while (cursor);
  }
  return { organization, chunks: chunks() };
}
