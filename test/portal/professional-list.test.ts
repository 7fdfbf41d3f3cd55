import { beforeAll, describe, expect, it } from 'vitest';
import { seedProfessionals } from '../../bench/scenarios/large-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import type { Page } from '../support/browserless-client.ts';
import { documentOf, linkTo, textOf, textsOf } from '../support/html-page.ts';
import { type OrganizationAdmin, organizationAdmin } from '../support/portal-people.ts';
import { sharedPortal } from '../support/shared-portal.ts';

/** The list's rows as [name, e-mail, roles, last sign-in, status]. */
function rowsOf(page: Page): string[][] {
  return documentOf(page.html)
    .querySelectorAll('#professionals tbody tr')
    .map((tr) => tr.querySelectorAll('td').map((td) => td.text.replace(/\s+/g, ' ').trim()));
}

const names = (page: Page) => rowsOf(page).map((row) => row[0]!);

describe('the professionals list of an organization page: search, sort, pages, last sign-in', () => {
  const world = sharedPortal();
  let admin: OrganizationAdmin;
  let other: OrganizationAdmin;
  const orgPath = (query = '') => `${world.portal.url}/accounts/${admin.organization.id}${query}`;
  const get = (query = '') => admin.browser.get(orgPath(query));

  beforeAll(async () => {
    admin = await organizationAdmin(world.idp, world.portal, 'Northwind');
    other = await organizationAdmin(world.idp, world.portal, 'Fabrikam');
    // 120 seeded professionals (Ann … Lena, numbered family names) and two to search for.
    await seedProfessionals(world.portal.domain.orm, admin.organization.id, 120, 'northwind.example');
    for (const [givenName, familyName, email] of [
      ['Zebedee', 'Quill', 'zq@quill-works.example'],
      ['Odette', "O'Hara_%", 'odette@northwind.example'],
    ] as const)
      await addProfessional(world.portal.domain, {
        actor: SYSTEM_ACTOR,
        organizationId: admin.organization.id,
        profile: { givenName, familyName, email },
        sendInvitation: false,
      });
  });

  it('shows 50 professionals a page, in name order, with Next page and Previous page by keyset', async () => {
    const first = await get();
    expect(first.status).toBe(200);
    expect(textOf(first.html, '#professionals-count')).toBe('123 professionals');
    expect(rowsOf(first)).toHaveLength(50);
    expect(first.html).toMatch(/<th scope="col" aria-sort="ascending"><a href="[^"]*">Name<\/a><\/th>/);
    const firstNames = names(first);
    const sorted = [...firstNames].sort((a, b) => {
      const [ga, fa] = [a.split(' ')[0]!, a.split(' ').slice(1).join(' ')];
      const [gb, fb] = [b.split(' ')[0]!, b.split(' ').slice(1).join(' ')];
      return fa.toLowerCase().localeCompare(fb.toLowerCase()) || ga.localeCompare(gb);
    });
    expect(firstNames).toEqual(sorted);
    expect(() => linkTo(first, 'Previous page')).toThrow();

    const second = await admin.browser.get(linkTo(first, 'Next page'));
    expect(new URL(second.url).searchParams.get('after')).toMatch(/^[0-9a-f-]{36}$/);
    const third = await admin.browser.get(linkTo(second, 'Next page'));
    expect(rowsOf(second)).toHaveLength(50);
    expect(rowsOf(third)).toHaveLength(23);
    expect(() => linkTo(third, 'Next page')).toThrow();
    const all = [...firstNames, ...names(second), ...names(third)];
    expect(new Set(all).size).toBe(123);

    const back = await admin.browser.get(linkTo(third, 'Previous page'));
    expect(names(back)).toEqual(names(second));
    const start = await admin.browser.get(linkTo(back, 'Previous page'));
    expect(names(start)).toEqual(firstNames);
  });

  it('shows each last sign-in, and "never" for the unclaimed and those who never signed in', async () => {
    const page = await get('?sort=last-sign-in');
    expect(page.html).toMatch(/aria-sort="descending"><a href="[^"]*">Last sign-in<\/a>/);
    const rows = rowsOf(page);
    // The administrator signed in last (at the start of this file); the seeded active ones before.
    expect(rows[0]![0]).toBe('Admin Northwind');
    expect(rows[0]![3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    const signedIn = rows.filter((row) => row[3] !== 'never');
    expect(signedIn.length).toBe(41); // the administrator and every third of the 120
    expect(rows.slice(41).every((row) => row[3] === 'never')).toBe(true);
    const odette = rowsOf(await get('?q=odette'))[0]!;
    expect(odette).toEqual(["Odette O'Hara_%", 'odette@northwind.example', '', 'never', 'not invited']);

    const ascending = rowsOf(await get('?sort=last-sign-in&dir=asc'));
    expect(ascending.every((row) => row[3] === 'never')).toBe(true);
  });

  it('sorts by status and by name the other way, the heading link turning the order round', async () => {
    const byStatus = await get('?sort=status');
    // 41 active (the administrator and every third seeded), then the invited.
    expect(rowsOf(byStatus).map((row) => row[4])).toEqual([
      ...Array(41).fill('active'),
      ...Array(9).fill('invited'),
    ]);
    const descending = await admin.browser.get(linkTo(byStatus, 'Status'));
    expect(new URL(descending.url).searchParams.get('dir')).toBe('desc');
    expect(descending.html).toMatch(/aria-sort="descending"><a href="[^"]*">Status<\/a>/);
    expect(rowsOf(descending).map((row) => row[4])).toEqual([
      ...Array(42).fill('not invited'), // every third seeded, and the two added
      ...Array(8).fill('invited'),
    ]);

    const zToA = names(await get('?dir=desc'));
    expect(zToA[0]).toBe('Zebedee Quill');
    expect(names(await get('?dir=desc&sort=name'))).toEqual(zToA);
  });

  it('searches any part of a name or e-mail, whatever its case, and takes LIKE wildcards literally', async () => {
    const byName = await get('?q=ZEBED');
    expect(names(byName)).toEqual(['Zebedee Quill']);
    expect(textOf(byName.html, '#professionals-count')).toBe('1 professional matches “ZEBED”. Show everyone');
    expect(names(await get('?q=quill-works'))).toEqual(['Zebedee Quill']);
    expect(names(await get('?q=ee q'))).toEqual(['Zebedee Quill']);
    expect(names(await get(`?q=${encodeURIComponent('_%')}`))).toEqual(["Odette O'Hara_%"]);
    expect(names(await get('?q=%25%25%25'))).toEqual([]);
    // 120 seeded: Ann is given to every twelfth (i % 12 = 0), so 10 of them.
    const anns = await get('?q=ann');
    expect(textOf(anns.html, '#professionals-count')).toMatch(/^1[01] professionals match “ann”/);
    // The search box keeps the order asked, and the page links keep the search.
    const form = documentOf((await get('?q=a&sort=status&dir=desc')).html).querySelector(
      'form[role="search"]',
    )!;
    expect(form.querySelector('label')!.getAttribute('for')).toBe('professional-search');
    expect(form.querySelector('input[name="sort"]')!.getAttribute('value')).toBe('status');
    expect(form.querySelector('input[name="dir"]')!.getAttribute('value')).toBe('desc');
    const searched = await get('?q=northwind.example');
    const next = new URL(linkTo(searched, 'Next page'));
    expect(next.searchParams.get('q')).toBe('northwind.example');
    expect(
      textsOf((await admin.browser.get(next.toString())).html, '#professionals tbody td:nth-child(2)'),
    ).toSatisfy((emails: string[]) => emails.every((e) => e.endsWith('northwind.example')));
  });

  it('ignores an unknown order, and refuses a bad search or page link with 400 and what to do', async () => {
    expect(names(await get('?sort=salary&dir=sideways'))).toEqual(names(await get()));
    expect(names(await get('?sort=name&sort=status'))).toEqual(names(await get()));

    const long = await get(`?q=${'a'.repeat(101)}`);
    expect(long.status).toBe(400);
    expect(long.html).toContain('Search for at most 100 characters');
    const control = await get(`?q=${encodeURIComponent('ann\nbcc')}`);
    expect(control.status).toBe(400);
    expect(control.html).toContain('without line breaks or tabs');
    const cursor = await get('?after=1%27%20or%201=1');
    expect(cursor.status).toBe(400);
    expect(cursor.html).toContain('This page link is not valid');
    // A cursor that is an id but no professional of this organization: the first page.
    const stranger = await get(`?after=${other.organization.billingContactId}`);
    expect(stranger.status).toBe(200);
    expect(names(stranger)).toEqual(names(await get()));
  });

  it("another organization's administrator gets 404, searching or not, and sees none of its professionals", async () => {
    for (const query of [
      '',
      '?q=zebedee',
      '?sort=last-sign-in',
      `?after=${admin.organization.billingContactId}`,
    ]) {
      const page = await other.browser.get(orgPath(query));
      expect(page.status, query).toBe(404);
      expect(page.html).not.toContain('Zebedee');
      expect(page.html).not.toContain('northwind.example');
    }
    const own = await other.browser.get(`${world.portal.url}/accounts/${other.organization.id}?q=zebedee`);
    expect(own.status).toBe(200);
    expect(rowsOf(own)).toEqual([]);
  });
});
