import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { AUDIT_ACTIONS } from '../../portal/audit/audit-actions.ts';
import { pruneAuditEvents } from '../../portal/audit-log/audit-retention.ts';
import { csvField, csvRecord } from '../../portal/audit-log/csv.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import type { Page } from '../support/browserless-client.ts';
import { linksOf, linkTo } from '../support/html-page.ts';
import { newPerson } from '../support/oidc-client.ts';
import {
  acceptBySigningUp,
  invitationLink,
  type OrganizationAdmin,
  organizationAdmin,
} from '../support/portal-people.ts';
import { sharedPortal } from '../support/shared-portal.ts';

const DAY = 86_400_000;

/** An RFC 4180 reader for the test: fields, quoted or not, records ended by CRLF; throws on anything else. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const field = /"((?:[^"]|"")*)"|([^",\r\n]*)/y;
  let at = 0;
  while (at < text.length) {
    const record: string[] = [];
    for (;;) {
      field.lastIndex = at;
      const m = field.exec(text)!;
      record.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!);
      at = field.lastIndex;
      if (text[at] === ',') {
        at += 1;
        continue;
      }
      if (text.startsWith('\r\n', at)) break;
      throw new Error(`no field separator or CRLF at ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
    }
    records.push(record);
    at += 2;
  }
  return records;
}

describe('J20 audit log', () => {
  const world = sharedPortal();
  let admin: OrganizationAdmin;
  let other: OrganizationAdmin;
  let partner: OrganizationAdmin;

  beforeAll(async () => {
    admin = await organizationAdmin(world.idp, world.portal, 'Audit Co');
    other = await organizationAdmin(world.idp, world.portal, 'Other Audit Co');
    partner = await organizationAdmin(world.idp, world.portal, 'Audit VAR', 'partner');
    await linkPartner(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: admin.organization.id,
    });
  });

  const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> =>
    world.portal.domain.orm.em.getConnection().execute(text, params);

  const auditUrl = (orgId = admin.organization.id, query = '') =>
    `${world.portal.url}/accounts/${orgId}/audit${query}`;
  const csvUrl = (orgId = admin.organization.id, query = '') =>
    `${world.portal.url}/accounts/${orgId}/audit.csv${query}`;

  interface Seed {
    id?: string;
    at: string;
    actor: string;
    action?: string;
    target?: string | null;
    detail?: object;
    orgId?: string;
  }
  /** Events as recorded at the given times (`at` as PostgreSQL takes it, to the microsecond). */
  async function seed(events: Seed[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500).map((e) => ({ ...e, id: e.id ?? randomUUID() }));
      ids.push(...chunk.map((e) => e.id));
      const rows = chunk.map((e) => ({
        id: e.id,
        organization_id: e.orgId ?? admin.organization.id,
        actor: e.actor,
        action: e.action ?? 'professional.edited',
        target: e.target ?? null,
        at: e.at,
        detail: e.detail ?? {},
      }));
      await sql(
        `insert into portal.audit_event (id, organization_id, actor, action, target, at, detail)
         select id, organization_id, actor, action, target, at, detail from jsonb_to_recordset(?::jsonb)
           as e(id uuid, organization_id uuid, actor text, action text, target text, at timestamptz, detail jsonb)`,
        [JSON.stringify(rows)],
      );
    }
    return ids;
  }

  const shownIds = (page: Page) => [...page.html.matchAll(/<tr data-event="([^"]+)">/g)].map((m) => m[1]!);
  const iso = (ms: number) => new Date(ms).toISOString();

  it('the organization page links to it; every event of the organization, newest first, none of another', async () => {
    const orgPage = await admin.browser.get(`${world.portal.url}/accounts/${admin.organization.id}`);
    const page = await admin.browser.get(linkTo(orgPage, 'Audit log'));
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Audit log</h1>');
    expect(page.html).toMatch(/organization\.created/);
    expect(page.html).not.toContain('Other Audit Co');
    const times = [...page.html.matchAll(/<time datetime="([^"]+)">/g)].map((m) => m[1]!);
    expect(times.length).toBeGreaterThan(1);
    expect([...times].sort().reverse()).toEqual(times);
    for (const action of AUDIT_ACTIONS) expect(page.html).toContain(`<option value="${action}">`);
  });

  it('pages with "Older" on (at desc, id desc): equal timestamps, to the microsecond, without gaps or duplicates', async () => {
    const base = Date.now() - 30 * DAY;
    const stamps = [
      `${iso(base).slice(0, 23)}456Z`,
      `${iso(base).slice(0, 23)}457Z`,
      `${iso(base - 1000).slice(0, 23)}000Z`,
    ];
    const events = Array.from({ length: 123 }, (_, i) => ({ at: stamps[i % 3]!, actor: 'pager@audit.test' }));
    const ids = await seed(events);
    const expected = events
      .map((e, i) => ({ at: e.at, id: ids[i]! }))
      .sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))
      .map((e) => e.id);

    const seen: string[] = [];
    let page = await admin.browser.get(auditUrl(admin.organization.id, '?person=pager%40audit.test'));
    const sizes: number[] = [];
    for (;;) {
      expect(page.status).toBe(200);
      sizes.push(shownIds(page).length);
      seen.push(...shownIds(page));
      const older = linksOf(page).find((l) => l.text === 'Older');
      if (!older) break;
      expect(new URL(older.href).searchParams.get('person')).toBe('pager@audit.test');
      expect(older.href).not.toMatch(/offset|page=/i);
      page = await admin.browser.get(older.href);
    }
    expect(sizes).toEqual([50, 50, 23]);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(123);
  });

  it('a tampered or made-up "Older" cursor is a clear 400 that shows no events', async () => {
    await seed(
      Array.from({ length: 60 }, () => ({ at: iso(Date.now() - 20 * DAY), actor: 'cursor@audit.test' })),
    );
    const first = await admin.browser.get(auditUrl(admin.organization.id, '?person=cursor'));
    const older = new URL(linkTo(first, 'Older'));
    const cursor = older.searchParams.get('before')!;
    const tampered = [
      `${cursor.slice(0, -2)}${cursor.at(-2) === 'A' ? 'B' : 'A'}${cursor.at(-1)}`,
      'not-a-cursor',
      Buffer.from('2026-01-01T00:00:00.000000Z|nope').toString('base64url'),
      Buffer.from(`yesterday|${randomUUID()}`).toString('base64url'),
      `${cursor}=`,
    ];
    for (const before of tampered) {
      older.searchParams.set('before', before);
      const refused = await admin.browser.get(older.toString());
      expect(refused.status, before).toBe(400);
      expect(refused.html).toContain('This “Older” link is not valid');
      expect(shownIds(refused)).toEqual([]);
    }
    const csv = await admin.browser.get(csvUrl(admin.organization.id, '?from=2026-13-01'));
    expect(csv.status).toBe(400);
    expect(csv.headers.get('content-disposition')).toBeNull();
  });

  it('filters by person (actor or target contains, any case, % and _ literal), action, and an inclusive date range', async () => {
    const day = (n: number) => iso(Date.now() - n * DAY);
    const [byActor, byTarget, literal, old, deleted] = await seed([
      { at: day(5), actor: 'Filter.Person@audit.test', target: 'Someone' },
      { at: day(4), actor: 'system', target: 'Filter Person (target)' },
      { at: day(3), actor: 'system', target: '100%_sure' },
      { at: day(40), actor: 'filter.person@audit.test', target: null },
      { at: day(2), actor: 'filter.person@audit.test', action: 'professional.deleted', target: 'Gone' },
    ]);
    const ids = async (query: string) => {
      const page = await admin.browser.get(auditUrl(admin.organization.id, query));
      expect(page.status, query).toBe(200);
      return shownIds(page);
    };
    expect(await ids('?person=FILTER.PERSON')).toEqual([deleted, byActor, old]);
    expect(await ids('?person=filter+person')).toEqual([byTarget]);
    expect(await ids('?person=0%25_s')).toEqual([literal]);
    expect(await ids('?person=filter.person&action=professional.deleted')).toEqual([deleted]);
    const from = day(6).slice(0, 10);
    const to = day(3).slice(0, 10);
    expect(await ids(`?person=person&from=${from}&to=${to}`)).toEqual([byTarget, byActor]);
    expect(await ids(`?person=filter.person&to=${day(40).slice(0, 10)}`)).toEqual([old]);
    const filtered = await admin.browser.get(auditUrl(admin.organization.id, `?person=filter&from=${from}`));
    expect(filtered.html).toContain('value="filter"');
    expect(filtered.html).toContain(`value="${from}"`);
    expect(linkTo(filtered, 'Export CSV')).toBe(csvUrl(admin.organization.id, `?person=filter&from=${from}`));

    for (const [query, message] of [
      [`?from=${to}&to=${from}`, 'The end date is before the start date.'],
      ['?from=2026-02-30', 'Enter a date as YYYY-MM-DD.'],
      ['?to=yesterday', 'Enter a date as YYYY-MM-DD.'],
      ['?action=drop.table', 'Choose an action from the list.'],
      [`?person=${'x'.repeat(201)}`, 'Enter at most 200 characters.'],
    ] as const) {
      const refused = await admin.browser.get(auditUrl(admin.organization.id, query));
      expect(refused.status, query).toBe(400);
      expect(refused.html).toContain(message);
      expect(shownIds(refused)).toEqual([]);
    }
  });

  it('exports the filtered log as a CSV attachment, streamed page by page, with hostile cells quoted and defused', async () => {
    const at = iso(Date.now() - 10 * DAY);
    const hostile = [
      '=HYPERLINK("http://evil.test","click")',
      '+1+1',
      '-2',
      '@SUM(A1)',
      '\tTab first',
      '\rCR first',
      'says "hi"',
      'two\nlines',
      'a, b',
      'plain',
    ];
    await seed(
      hostile.map((target) => ({ at, actor: 'hostile@audit.test', target, detail: { note: '=1,"x"' } })),
    );
    const res = await admin.browser.get(csvUrl(admin.organization.id, '?person=hostile%40audit.test'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-log-[\w-]+\.csv"$/);
    const text = res.html;
    const records = parseCsv(text);
    expect(records[0]).toEqual(['At (UTC)', 'Actor', 'Action', 'Target', 'Detail']);
    const targets = records.slice(1).map((r) => r[3]);
    expect(targets.sort()).toEqual(
      [
        `'=HYPERLINK("http://evil.test","click")`,
        "'+1+1",
        "'-2",
        "'@SUM(A1)",
        "'\tTab first",
        "'\rCR first",
        'says "hi"',
        'two\nlines',
        'a, b',
        'plain',
      ].sort(),
    );
    expect(text).toContain(`"'=HYPERLINK(""http://evil.test"",""click"")"`);
    expect(
      records.slice(1).every((r) => r[1] === 'hostile@audit.test' && r[4] === '{"note":"=1,\\"x\\""}'),
    ).toBe(true);

    // More rows than one read of the export takes: every one comes, once.
    await seed(Array.from({ length: 1203 }, () => ({ at, actor: 'bulk@audit.test' })));
    const bulk = parseCsv((await admin.browser.get(csvUrl(admin.organization.id, '?person=bulk'))).html);
    expect(bulk).toHaveLength(1204);
  });

  it('the CSV formatter quotes as RFC 4180 says and guards every formula start', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "x"')).toBe('"say ""x"""');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
    for (const start of ['=', '+', '-', '@']) expect(csvField(`${start}1`)).toBe(`'${start}1`);
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe('"\'\r=1"');
    expect(csvField(' =1')).toBe(' =1');
    expect(csvRecord(['a', '=b', 'c,d'])).toBe('a,\'=b,"c,d"\r\n');
  });

  it('only administrators of the organization or its partner read it or export it: anyone else gets 404 (IDOR)', async () => {
    await seed([{ at: iso(Date.now() - DAY), actor: 'secret@audit.test', target: 'Secret Target' }]);
    const person = newPerson({ givenName: 'Plain', familyName: 'Member' });
    const before = world.idp.smtp.messages.length;
    await addProfessional(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Plain', familyName: 'Member', email: person.email },
    });
    const plain = await acceptBySigningUp(
      world.idp,
      await invitationLink(world.idp, world.portal, person.email, before),
      person,
    );
    for (const who of [other, plain]) {
      for (const url of [auditUrl(), csvUrl(), csvUrl(admin.organization.id, '?person=secret')]) {
        const page = await who.browser.get(url);
        expect(page.status, url).toBe(404);
        expect(page.html).not.toContain('Secret Target');
        expect(page.headers.get('content-disposition')).toBeNull();
      }
    }
    // A partner's administrator: the customers they manage, and their own organization.
    const viaPartner = await partner.browser.get(auditUrl(admin.organization.id, '?person=secret'));
    expect(viaPartner.status).toBe(200);
    expect(viaPartner.html).toContain('Secret Target');
    expect((await partner.browser.get(auditUrl(partner.organization.id))).status).toBe(200);
    expect((await partner.browser.get(auditUrl(other.organization.id))).status).toBe(404);
    expect((await partner.browser.get(csvUrl(other.organization.id))).status).toBe(404);
    expect((await other.browser.get(`${world.portal.url}/accounts/not-an-id/audit`)).status).toBe(404);
  });

  it('retention: AUDIT_RETENTION_DAYS (default 400, validated) and a pass at a chosen now prunes older events in batches', async () => {
    expect(loadConfig({ NODE_ENV: 'test' }).AUDIT_RETENTION_DAYS).toBe(400);
    expect(loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION_DAYS: '90' }).AUDIT_RETENTION_DAYS).toBe(90);
    for (const bad of ['0', '12', 'forever', '1.5'])
      expect(() => loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION_DAYS: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION_DAYS: 'x' })).toThrow(/AUDIT_RETENTION_DAYS/);

    // Every other event of this database is younger than 400 days.
    const now = new Date();
    const past = (days: number) => iso(now.getTime() - days * DAY);
    const doomed = await seed([
      { at: past(500), actor: 'retention@audit.test' },
      { at: past(401), actor: 'retention@audit.test' },
      { at: past(400.01), actor: 'retention@audit.test', orgId: other.organization.id },
    ]);
    const [kept] = await seed([{ at: past(399), actor: 'retention@audit.test' }]);
    const left = async () =>
      (
        await sql<{ id: string }>(`select id from portal.audit_event where actor = 'retention@audit.test'`)
      ).map((r) => r.id);
    expect(await pruneAuditEvents(world.portal.domain.orm, now, 600, 2)).toBe(0);
    expect((await left()).sort()).toEqual([...doomed, kept].sort());
    const pruning: number[] = [];
    for (let pass = 0; pass < 10; pass++) {
      const pruned = await pruneAuditEvents(world.portal.domain.orm, now, 400, 2);
      pruning.push(pruned);
      if (pruned === 0) break;
    }
    expect(pruning).toEqual([2, 1, 0]);
    expect(await left()).toEqual([kept]);
  });
});
