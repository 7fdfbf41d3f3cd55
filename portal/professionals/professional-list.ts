import type { Database } from '../../adapters/db/database.ts';
import { isId } from '../../adapters/db/ids.ts';
import { query, type Statement, statement } from '../../adapters/db/statements.ts';
import { hasControlCharacter } from '../../adapters/http/control-characters.ts';
import { AppError } from '../../adapters/http/errors.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { likeLiteral, type Roles } from './profile-input.ts';

/** How many professionals one page of the list shows. */
export const PAGE_SIZE = 50;
/** The longest search the list takes. */
export const SEARCH_MAX = 100;

export const SORTS = ['name', 'last-sign-in', 'status'] as const;
export type Sort = (typeof SORTS)[number];
export type Direction = 'asc' | 'desc';

/** What the list was asked for: `?q=…&sort=…&dir=…&after=…|before=…`, checked. */
export interface ListQuery {
  /** Matched against any part of the name or the e-mail, case-insensitively; '' lists everyone. */
  readonly search: string;
  readonly sort: Sort;
  readonly direction: Direction;
  /** Keyset paging: the id of the last row of the previous page, or the first row of the next one. */
  readonly after?: string;
  readonly before?: string;
}

/** One professional as the list shows them. */
export interface ListedProfessional {
  readonly id: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly status: 'not_invited' | 'invited' | 'active';
  /** Null: never signed in (not claimed yet, or claimed before sign-ins were recorded). */
  readonly lastSignInAt: Date | null;
  readonly roles: Roles;
}

/** One page of an organization's professionals, with what the links to its neighbours need. */
export interface ProfessionalPage {
  readonly query: ListQuery;
  readonly rows: readonly ListedProfessional[];
  /** Professionals matching the search (all of them without one). */
  readonly total: number;
  /** Id of this page's last row when a next page exists. */
  readonly nextAfter?: string;
  /** Id of this page's first row when a previous page exists. */
  readonly previousBefore?: string;
}

const DEFAULT_DIRECTION: Record<Sort, Direction> = { name: 'asc', 'last-sign-in': 'desc', status: 'asc' };

/**
 * The list's query string, checked. An unknown sort or direction is ignored (the default order);
 * a search that is too long or holds a control character, or a page link whose cursor is not an
 * id, is refused with 400 and a message saying what to do.
 */
export function parseListQuery(raw: Record<string, unknown>): ListQuery {
  const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);
  const text = first(raw.q);
  const search = typeof text === 'string' ? text.trim() : '';
  if (search.length > SEARCH_MAX)
    throw badList(`Search for at most ${SEARCH_MAX} characters: part of a name or an e-mail address.`);
  if (hasControlCharacter(search))
    throw badList('Search for part of a name or an e-mail address, without line breaks or tabs.');
  const sortParam = first(raw.sort);
  const sort = SORTS.find((s) => s === sortParam) ?? 'name';
  const dirParam = first(raw.dir);
  const direction: Direction = dirParam === 'asc' || dirParam === 'desc' ? dirParam : DEFAULT_DIRECTION[sort];
  const cursor = (name: 'after' | 'before') => {
    const value = first(raw[name]);
    if (value === undefined || value === '') return undefined;
    if (!isId(value)) throw badList('This page link is not valid. Open the first page of the list again.');
    return value;
  };
  const after = cursor('after');
  const before = after ? undefined : cursor('before');
  return { search, sort, direction, ...(after ? { after } : {}), ...(before ? { before } : {}) };
}

function badList(message: string): AppError {
  return new AppError('BAD_REQUEST', 400, message);
}

/**
 * One page of the organization's professionals: one statement for the rows (keyset paging on an
 * index of the chosen order: migration 0008) and one for the count. A cursor that names no
 * professional of this organization (one deleted meanwhile) shows the first page instead.
 */
export async function professionalPage(
  orm: Database,
  organization: Organization,
  listQuery: ListQuery,
): Promise<ProfessionalPage> {
  const searching = listQuery.search !== '';
  const pattern = `%${likeLiteral(listQuery.search)}%`;
  const mode: Mode = listQuery.after ? 'after' : listQuery.before ? 'before' : 'first';
  const values: unknown[] = [organization.id, PAGE_SIZE + 1];
  if (searching) values.push(pattern);
  if (mode !== 'first') values.push(mode === 'after' ? listQuery.after : listQuery.before);
  const [found, counted] = await Promise.all([
    query<Row>(orm, pageStatement(listQuery.sort, listQuery.direction, mode, searching), values),
    query<{ n: number }>(
      orm,
      searching ? COUNT_MATCHING : COUNT_ALL,
      searching ? [organization.id, pattern] : [organization.id],
    ),
  ]);
  if (mode !== 'first' && found.length === 0) {
    return professionalPage(orm, organization, { ...listQuery, after: undefined, before: undefined });
  }
  const more = found.length > PAGE_SIZE;
  const page = found.slice(0, PAGE_SIZE);
  if (mode === 'before') page.reverse();
  const rows = page.map((row) => listed(organization, row));
  const hasNext = mode === 'before' ? true : more;
  const hasPrevious = mode === 'after' ? true : mode === 'before' ? more : false;
  return {
    query: listQuery,
    rows,
    total: counted[0]?.n ?? 0,
    ...(hasNext && rows.length > 0 ? { nextAfter: rows.at(-1)!.id } : {}),
    ...(hasPrevious && rows.length > 0 ? { previousBefore: rows[0]!.id } : {}),
  };
}

/** The query string of the list as asked, with `change` applied (a page link, a sort link). */
export function listHref(base: string, listQuery: ListQuery, change: Partial<ListQuery>): string {
  const next = { ...listQuery, after: undefined, before: undefined, ...change };
  const params = new URLSearchParams();
  if (next.search) params.set('q', next.search);
  if (next.sort !== 'name') params.set('sort', next.sort);
  if (next.direction !== DEFAULT_DIRECTION[next.sort]) params.set('dir', next.direction);
  if (next.after) params.set('after', next.after);
  if (next.before) params.set('before', next.before);
  const search = params.toString();
  return `${base}${search ? `?${search}` : ''}#professionals`;
}

/** The link of a column heading: its order, or the other direction when it is the order already. */
export function sortHref(base: string, listQuery: ListQuery, sort: Sort): string {
  const direction =
    listQuery.sort === sort ? (listQuery.direction === 'asc' ? 'desc' : 'asc') : DEFAULT_DIRECTION[sort];
  return listHref(base, listQuery, { sort, direction });
}

interface Row {
  id: string;
  given_name: string;
  family_name: string;
  email: string;
  status: ListedProfessional['status'];
  is_administrator: boolean;
  last_sign_in_at: string | null;
}

function listed(organization: Organization, row: Row): ListedProfessional {
  return {
    id: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    email: row.email,
    status: row.status,
    lastSignInAt: row.last_sign_in_at === null ? null : new Date(row.last_sign_in_at),
    roles: {
      administrator: row.is_administrator,
      billingContact: organization.billingContactId === row.id,
      shippingContact: organization.shippingContactId === row.id,
    },
  };
}

export type Mode = 'first' | 'after' | 'before';

// The sort keys of each order: exactly the columns of its index (migration 0008), the id last so
// that every row has a place of its own and a page boundary is never ambiguous.
const KEYS: Record<Sort, readonly string[]> = {
  name: ['lower(p.family_name)', 'lower(p.given_name)', 'p.id'],
  status: ['p.status', 'lower(p.family_name)', 'lower(p.given_name)', 'p.id'],
  'last-sign-in': ["coalesce(p.last_sign_in_at, '-infinity'::timestamptz)", 'p.id'],
};

// What the search compares: the expression of the trigram index, word for word.
const SEARCHED = `(p.given_name || ' ' || p.family_name || ' ' || p.email)`;

const COLUMNS = 'p.id, p.given_name, p.family_name, p.email, p.status, p.is_administrator, p.last_sign_in_at';

export const COUNT_ALL = statement(
  'professional-list.count',
  'select count(*)::int as n from portal.professional p where p.organization_id = $1',
);
export const COUNT_MATCHING = statement(
  'professional-list.count-matching',
  `select count(*)::int as n from portal.professional p where p.organization_id = $1 and ${SEARCHED} ilike $2`,
);

/**
 * Every statement the list sends, declared once: each order, both directions, the first page and
 * the pages after and before a cursor, with and without a search. $1 the organization, $2 the
 * limit, then the search pattern (when searching), then the cursor's id (after/before).
 */
const STATEMENTS = new Map<string, Statement>();
for (const sort of SORTS)
  for (const direction of ['asc', 'desc'] as const)
    for (const mode of ['first', 'after', 'before'] as const)
      for (const searching of [false, true]) {
        const name = `professional-list.${sort}.${direction}.${mode}.${searching ? 'search' : 'all'}`;
        STATEMENTS.set(name, statement(name, pageSql(sort, direction, mode, searching)));
      }

/** The statement of one page of the list (exported for the test that EXPLAINs it). */
export function pageStatement(sort: Sort, direction: Direction, mode: Mode, searching: boolean): Statement {
  return STATEMENTS.get(`professional-list.${sort}.${direction}.${mode}.${searching ? 'search' : 'all'}`)!;
}

function pageSql(sort: Sort, direction: Direction, mode: Mode, searching: boolean): string {
  const keys = KEYS[sort];
  // A page before the cursor is read in the opposite order, then turned round.
  const reading: Direction = mode === 'before' ? (direction === 'asc' ? 'desc' : 'asc') : direction;
  const where = ['p.organization_id = $1'];
  if (searching) where.push(`${SEARCHED} ilike $3`);
  if (mode !== 'first') {
    const cursorParam = searching ? '$4' : '$3';
    const cursorKeys = keys.map((key) => key.replaceAll('p.', 'c.')).join(', ');
    where.push(
      `(${keys.join(', ')}) ${reading === 'asc' ? '>' : '<'} (select ${cursorKeys} from portal.professional c where c.organization_id = $1 and c.id = ${cursorParam})`,
    );
  }
  return `select ${COLUMNS} from portal.professional p where ${where.join(' and ')} order by ${keys
    .map((key) => `${key} ${reading}`)
    .join(', ')} limit $2`;
}

/** What the list's partial view shows: the page, and every link it offers, made here. */
export interface ProfessionalListView {
  readonly page: ProfessionalPage;
  /** The organization page the list is part of. */
  readonly base: string;
  readonly sorts: Readonly<Record<Sort, { href: string; ariaSort?: 'ascending' | 'descending' }>>;
  readonly nextHref?: string;
  readonly previousHref?: string;
  /** The sort and direction to keep when a new search is sent, unless they are the defaults. */
  readonly keep: Readonly<Record<string, string>>;
}

export function professionalListView(base: string, page: ProfessionalPage): ProfessionalListView {
  const { query: q } = page;
  const sorts = {} as Record<Sort, { href: string; ariaSort?: 'ascending' | 'descending' }>;
  for (const sort of SORTS)
    sorts[sort] = {
      href: sortHref(base, q, sort),
      ...(q.sort === sort ? { ariaSort: q.direction === 'asc' ? 'ascending' : 'descending' } : {}),
    };
  const keep: Record<string, string> = {};
  if (q.sort !== 'name') keep.sort = q.sort;
  if (q.direction !== DEFAULT_DIRECTION[q.sort]) keep.dir = q.direction;
  return {
    page,
    base,
    sorts,
    ...(page.nextAfter ? { nextHref: listHref(base, q, { after: page.nextAfter }) } : {}),
    ...(page.previousBefore ? { previousHref: listHref(base, q, { before: page.previousBefore }) } : {}),
    keep,
  };
}
