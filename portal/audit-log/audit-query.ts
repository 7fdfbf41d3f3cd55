import { z } from 'zod';
import type { Database } from '../../adapters/db/database.ts';
import { isId } from '../../adapters/db/ids.ts';
import { query, type Statement, statement } from '../../adapters/db/statements.ts';
import { invalidInput, parseForm } from '../../adapters/http/forms.ts';
import { AUDIT_ACTIONS } from '../audit/audit-actions.ts';
import { likeLiteral } from '../professionals/profile-input.ts';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const dateField = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === '') return undefined;
    const date = new Date(`${value}T00:00:00Z`);
    if (!DATE.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
      ctx.addIssue({ code: 'custom', message: 'Enter a date as YYYY-MM-DD.' });
      return z.NEVER;
    }
    return date;
  });

/** The Audit log's filters, as its form (a GET) sends them; every one may be left empty. */
const filterForm = z.object({
  person: z
    .string()
    .trim()
    .max(200, { error: 'Enter at most 200 characters.' })
    .transform((value) => value || undefined),
  action: z
    .string()
    .trim()
    .refine((value) => value === '' || (AUDIT_ACTIONS as readonly string[]).includes(value), {
      error: 'Choose an action from the list.',
    })
    .transform((value) => value || undefined),
  from: dateField,
  to: dateField,
});

export interface AuditFilters {
  /** Actor or target contains this (any case). */
  readonly person?: string;
  readonly action?: string;
  /** From the start of this day (UTC). */
  readonly from?: Date;
  /** To the end of this day (UTC). */
  readonly to?: Date;
}

/** Where a page starts: just older than this event, in the order (at desc, id desc). */
export interface AuditCursor {
  /** As PostgreSQL keeps it, to the microsecond: a JavaScript Date would round it. */
  readonly at: string;
  readonly id: string;
}

/** The filters as a query string gives them (the first value of a repeated one); bad ones refused. */
export function parseFilters(raw: Record<string, unknown>): AuditFilters {
  const text = (key: string) => {
    const value = raw[key];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : '';
  };
  const filters = parseForm(filterForm, {
    person: text('person'),
    action: text('action'),
    from: text('from'),
    to: text('to'),
  });
  if (filters.from && filters.to && filters.to < filters.from)
    throw invalidInput({ to: 'The end date is before the start date.' });
  return filters;
}

/** The filters again as a query string, for the Older link and the CSV export. */
export function filterQuery(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.person) params.set('person', filters.person);
  if (filters.action) params.set('action', filters.action);
  if (filters.from) params.set('from', filters.from.toISOString().slice(0, 10));
  if (filters.to) params.set('to', filters.to.toISOString().slice(0, 10));
  return params;
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.at}|${cursor.id}`).toString('base64url');
}

/**
 * The cursor of an "Older" link. It holds no secret (the page it opens is still this organization's,
 * filtered as asked), but one that is not exactly what `encodeCursor` writes is refused with a
 * clear 400, rather than quietly opening some other page.
 */
export function decodeCursor(value: unknown): AuditCursor | undefined {
  if (value === undefined || value === '') return undefined;
  const refused = invalidInput({
    before: 'This “Older” link is not valid (it was changed or cut short). Open the Audit log again.',
  });
  if (typeof value !== 'string' || value.length > 200) throw refused;
  const [at, id, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !at || !id || !CURSOR_AT.test(at) || !isId(id)) throw refused;
  if (Number.isNaN(new Date(at).getTime())) throw refused;
  const cursor = { at, id };
  if (encodeCursor(cursor) !== value) throw refused;
  return cursor;
}

/** One event as the Audit log shows and exports it. */
export interface AuditRow {
  readonly id: string;
  /** ISO 8601, UTC, to the microsecond. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly detail: Record<string, unknown>;
}

/**
 * The page query for each combination of filters, declared once each (a named statement has one
 * text): keyset-paged on (at desc, id desc), which the index `audit_event_org_at_id_idx` serves, so
 * the hundredth page costs what the first does — no OFFSET.
 */
const statements = new Map<number, Statement>();

function pageStatement(
  filters: AuditFilters,
  cursor: AuditCursor | undefined,
): { st: Statement; values: unknown[] } {
  const parts: { on: boolean; sql: (n: () => string) => string; values: unknown[] }[] = [
    {
      on: filters.person !== undefined,
      sql: (n) => {
        const p = n();
        return `(actor ilike ${p} or target ilike ${p})`;
      },
      values: filters.person ? [`%${likeLiteral(filters.person)}%`] : [],
    },
    { on: filters.action !== undefined, sql: (n) => `action = ${n()}`, values: [filters.action] },
    { on: filters.from !== undefined, sql: (n) => `at >= ${n()}`, values: [filters.from] },
    {
      on: filters.to !== undefined,
      sql: (n) => `at < ${n()}`,
      values: [filters.to && new Date(filters.to.getTime() + DAY_MS)],
    },
    {
      on: cursor !== undefined,
      sql: (n) => `(at, id) < (${n()}::timestamptz, ${n()}::uuid)`,
      values: cursor ? [cursor.at, cursor.id] : [],
    },
  ];
  const mask = parts.reduce((bits, part, i) => (part.on ? bits | (1 << i) : bits), 0);
  let next = 3;
  const n = () => `$${next++}`;
  const where = parts.filter((part) => part.on).map((part) => ` and ${part.sql(n)}`);
  const text = `select id, actor, action, target, detail,
      to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
    from portal.audit_event
    where organization_id = $1${where.join('')}
    order by at desc, id desc
    limit $2`;
  let st = statements.get(mask);
  if (!st) {
    st = statement(`portal.audit-log.page.${mask}`, text);
    statements.set(mask, st);
  }
  return { st, values: parts.filter((part) => part.on).flatMap((part) => part.values) };
}

interface EventRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown> | string;
}

/**
 * Up to `limit` events of the organization, newest first, older than `cursor`, and the cursor of
 * the next page (undefined on the last). The caller has checked the actor may read them.
 */
export async function auditPage(
  orm: Database,
  organizationId: string,
  filters: AuditFilters,
  cursor: AuditCursor | undefined,
  limit: number,
): Promise<{ rows: AuditRow[]; older?: AuditCursor }> {
  const { st, values } = pageStatement(filters, cursor);
  const found = await query<EventRow>(orm, st, [organizationId, limit + 1, ...values]);
  const rows = found.slice(0, limit).map((row) => ({
    ...row,
    detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as Record<string, unknown>) : row.detail,
  }));
  const last = rows.at(-1);
  return { rows, older: found.length > limit && last ? { at: last.at, id: last.id } : undefined };
}
