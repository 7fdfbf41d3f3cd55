import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProfessionals } from '../../bench/scenarios/large-organization.ts';
import {
  COUNT_ALL,
  COUNT_MATCHING,
  type Direction,
  type Mode,
  PAGE_SIZE,
  pageStatement,
  SORTS,
  type Sort,
} from '../../portal/professionals/professional-list.ts';
import {
  openTestPortalDomain,
  organizationWithAdmin,
  type TestPortalDomain,
} from '../support/portal-domain.ts';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The list's real statements, EXPLAINed as PostgreSQL plans them for a 10,000-professional
 * organization among others: every order, direction and page reads an index, never the table in full.
 */
describe('the professionals list over an organization of 10,000', () => {
  let domain: TestPortalDomain;
  let client: pg.Client;
  let orgId: string;
  let smallId: string;
  let cursor: string;

  beforeAll(async () => {
    domain = await openTestPortalDomain();
    const large = await organizationWithAdmin(domain, 'Large', 'admin@large.example');
    const small = await organizationWithAdmin(domain, 'Small', 'admin@small.example');
    orgId = large.organization.id;
    smallId = small.organization.id;
    await seedProfessionals(domain.orm, small.organization.id, 300, 'small.example');
    await seedProfessionals(domain.orm, orgId, 10_000, 'large.example');
    client = new pg.Client(domain.databaseUrl);
    await client.connect();
    const { rows } = await client.query<{ id: string }>(
      `select id from portal.professional where organization_id = $1 order by lower(family_name) offset 5000 limit 1`,
      [orgId],
    );
    cursor = rows[0]!.id;
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await domain?.orm.close(true);
  });

  /** The plan's nodes, of the statement run with `values` (a custom plan, as the first runs get). */
  async function plan(text: string, values: unknown[]): Promise<PlanNode[]> {
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `explain (format json) ${text}`,
      values,
    );
    return nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
  }

  /** The same, planned generically (as a prepared statement is after its fifth run). */
  async function genericPlan(text: string): Promise<PlanNode[]> {
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `explain (format json, generic_plan) ${text}`,
    );
    return nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
  }

  const INDEX_OF: Record<Sort, string> = {
    name: 'professional_name_idx',
    status: 'professional_status_idx',
    'last-sign-in': 'professional_last_sign_in_idx',
  };
  const scansOfProfessional = (nodes: PlanNode[]) =>
    nodes.filter((n) => n['Relation Name'] === 'professional' || n['Index Name']?.startsWith('professional'));

  const cases = SORTS.flatMap((sort) =>
    (['asc', 'desc'] as Direction[]).flatMap((direction) =>
      (['first', 'after', 'before'] as Mode[]).map((mode) => ({ sort, direction, mode })),
    ),
  );

  it.each(cases)(
    'a page by $sort $direction ($mode) reads $sort’s index, no sequential scan',
    async ({ sort, direction, mode }) => {
      const values: unknown[] = [orgId, PAGE_SIZE + 1];
      if (mode !== 'first') values.push(cursor);
      const statement = pageStatement(sort, direction, mode, false);
      for (const nodes of [await plan(statement.text, values), await genericPlan(statement.text)]) {
        const scans = scansOfProfessional(nodes);
        expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
        expect(scans.map((n) => n['Index Name'])).toContain(INDEX_OF[sort]);
        // Read in the index's order: nothing sorts the organization's 10,000 rows.
        expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');
      }
    },
  );

  it('a search for a rare part of a name or e-mail reads the trigram index', async () => {
    await client.query(
      `insert into portal.professional (id, organization_id, given_name, family_name, email, status, created_at, updated_at)
       values (gen_random_uuid(), $1, 'Zebedee', 'Quill', 'zq@quill-works.example', 'not_invited', now(), now())`,
      [orgId],
    );
    await client.query('analyze portal.professional');
    for (const sort of SORTS) {
      const nodes = await plan(pageStatement(sort, 'asc', 'first', true).text, [
        orgId,
        PAGE_SIZE + 1,
        '%quill-wor%',
      ]);
      const scans = scansOfProfessional(nodes);
      expect(
        scans.map((n) => n['Node Type']),
        sort,
      ).not.toContain('Seq Scan');
      expect(
        scans.map((n) => n['Index Name']),
        sort,
      ).toContain('professional_search_idx');
    }
    const counted = scansOfProfessional(await plan(COUNT_MATCHING.text, [orgId, '%quill-wor%']));
    expect(counted.map((n) => n['Index Name'])).toContain('professional_search_idx');
    const { rows } = await client.query(pageStatement('name', 'asc', 'first', true).text, [
      orgId,
      PAGE_SIZE + 1,
      '%quill-wor%',
    ]);
    expect(rows.map((r) => r.email)).toEqual(['zq@quill-works.example']);
  });

  it('a search matching many reads the page off the order’s index; a count reads the index where it narrows', async () => {
    const many = scansOfProfessional(
      await plan(pageStatement('name', 'asc', 'first', true).text, [orgId, PAGE_SIZE + 1, '%ann%']),
    );
    expect(many.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    expect(many.map((n) => n['Index Name'])).toContain('professional_name_idx');
    // Counting everyone reads every professional of the organization, whichever way: here, where
    // it is 97% of the table, PostgreSQL rightly reads the table (≈ 3 ms for 10,000); for the small
    // organization beside it, the index.
    const small = scansOfProfessional(await plan(COUNT_ALL.text, [smallId]));
    expect(small.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  });
});
