import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Organization } from '../../portal/organizations/organization.entity.ts';
import { deleteExpiredImports } from '../../portal/professionals/import-professionals.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import type { Page } from '../support/browserless-client.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { documentOf, formOf, textOf } from '../support/html-page.ts';
import { newPerson } from '../support/oidc-client.ts';
import { acceptBySigningIn, type OrganizationAdmin, organizationAdmin } from '../support/portal-people.ts';
import { sharedPortal } from '../support/shared-portal.ts';

const HEADER = 'Given name,Family name,E-mail,Phone,Job title,Role';

/** A CSV file: the header, then one line per row. */
const csv = (...rows: string[]) => `${[HEADER, ...rows].join('\r\n')}\r\n`;

/** The problems the preview lists, as { row: [what to change…] }. */
function problemsOf(page: Page): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const tr of documentOf(page.html).querySelectorAll('#import-problems tbody tr')) {
    const cells = tr.querySelectorAll('td');
    problems[cells[0]!.text.trim()] = cells[2]!.querySelectorAll('li').map((li) => li.text.trim());
  }
  return problems;
}

describe('Import professionals from a CSV file', () => {
  const world = sharedPortal();
  let admin: OrganizationAdmin;
  let other: OrganizationAdmin;
  const importPath = (org = admin) =>
    `${world.portal.url}/accounts/${org.organization.id}/professionals/import`;

  beforeAll(async () => {
    admin = await organizationAdmin(world.idp, world.portal, 'Tailspin');
    other = await organizationAdmin(world.idp, world.portal, 'Litware');
  });

  /** What the organization holds: professionals, queued mail and audit events, to show nothing changed. */
  async function state(org = admin) {
    const conn = world.portal.domain.orm.em.getConnection();
    const [row] = await conn.execute(
      `select (select count(*)::int from portal.professional where organization_id = ?) as professionals,
              (select count(*)::int from portal.outbox_mail) as mails,
              (select count(*)::int from portal.audit_event where organization_id = ?) as events,
              (select count(*)::int from portal.professional_import) as previews`,
      [org.organization.id, org.organization.id],
    );
    return row as { professionals: number; mails: number; events: number; previews: number };
  }

  async function upload(content: string | Uint8Array, who: OrganizationAdmin = admin, name = 'people.csv') {
    const page = await who.browser.get(importPath(admin));
    return who.browser.upload(page, { field: 'file', name, content }, '/professionals/import');
  }

  it('previews a file without writing anything, then Import adds everyone and e-mails each an invitation', async () => {
    const page = await admin.browser.get(importPath());
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Import professionals</h1>');
    expect(page.html).toContain('<label for="import-file">CSV file</label>');
    expect(page.html).toContain('enctype="multipart/form-data"');
    const organizationPage = await admin.browser.get(`${world.portal.url}/accounts/${admin.organization.id}`);
    expect(organizationPage.html).toContain(`href="/accounts/${admin.organization.id}/professionals/import"`);

    const ann = newPerson({ givenName: 'Ann', familyName: 'Import' });
    const before = await state();
    const mailsBefore = world.idp.smtp.messages.length;
    const preview = await upload(
      `\uFEFF${csv(
        `Ann,Import,${ann.email},+1 555 0100,Buyer,Administrator`,
        'Bea,"Jones, Jr.",bea@tailspin.example,,"Head of ""Ops""",',
        'Carl,<b>Bold</b>,carl@tailspin.example,,,',
      )}`,
    );
    expect(preview.status).toBe(200);
    expect(textOf(preview.html, '#import-summary')).toBe(
      '3 professionals will be added, each invited by e-mail.',
    );
    expect(preview.html).toContain('Jones, Jr.');
    expect(preview.html).toContain('Head of &quot;Ops&quot;');
    expect(preview.html).toContain('&lt;b&gt;Bold&lt;/b&gt;');
    expect(preview.html).not.toContain('<b>Bold</b>');
    // Nothing but the preview itself is written.
    expect(await state()).toEqual({ ...before, previews: before.previews + 1 });

    const [{ now: since }] = (await world.portal.domain.orm.em.getConnection().execute('select now()')) as [
      { now: Date },
    ];
    const done = await admin.browser.submit(preview, {}, '/professionals/import/');
    expect(done.status).toBe(200);
    expect(done.html).toContain('Imported 3 professionals. Each receives an invitation e-mail.');
    const after = await state();
    expect(after.professionals).toBe(before.professionals + 3);
    expect(after.previews).toBe(before.previews);

    const em = world.portal.domain.orm.em.fork();
    const rows = await em.getConnection().execute(
      `select given_name, family_name, email, phone, job_title, is_administrator, status
         from portal.professional where organization_id = ? and email <> ? order by email`,
      [admin.organization.id, admin.person.email],
    );
    expect(rows).toEqual([
      {
        given_name: 'Ann',
        family_name: 'Import',
        email: ann.email,
        phone: '+1 555 0100',
        job_title: 'Buyer',
        is_administrator: true,
        status: 'invited',
      },
      {
        given_name: 'Bea',
        family_name: 'Jones, Jr.',
        email: 'bea@tailspin.example',
        phone: null,
        job_title: 'Head of "Ops"',
        is_administrator: false,
        status: 'invited',
      },
      {
        given_name: 'Carl',
        family_name: '<b>Bold</b>',
        email: 'carl@tailspin.example',
        phone: null,
        job_title: null,
        is_administrator: false,
        status: 'invited',
      },
    ]);
    // The mandatory roles stay where they were: with the first administrator.
    const organization = await em.findOneOrFail(Organization, { id: admin.organization.id });
    expect(organization.billingContactId).toBe(admin.organization.billingContactId);
    expect(organization.shippingContactId).toBe(admin.organization.shippingContactId);
    const events = await em.getConnection().execute(
      `select action, count(*)::int as n from portal.audit_event where organization_id = ? and at >= ?
        and action in ('professional.added', 'invitation.sent', 'professionals.imported') group by action order by action`,
      [admin.organization.id, since],
    );
    expect(events).toEqual([
      { action: 'invitation.sent', n: 3 },
      { action: 'professional.added', n: 3 },
      { action: 'professionals.imported', n: 1 },
    ]);

    // Each invitation is delivered, and works: Ann joins as an Administrator.
    for (const to of [ann.email, 'bea@tailspin.example', 'carl@tailspin.example'])
      await world.idp.smtp.waitForMail(
        (m) =>
          m.to === to &&
          m.subject.includes('invitation') &&
          world.idp.smtp.messages.indexOf(m) >= mailsBefore,
      );
    const mail = world.idp.smtp.messages.find((m) => m.to === ann.email)!;
    expect(mail.text).toContain('Tailspin');
    const link = mail.links.find((l) => l.startsWith(`${world.portal.url}/invitations/accept?token=`))!;
    const { acceptBySigningUp } = await import('../support/portal-people.ts');
    const joined = await acceptBySigningUp(world.idp, link, ann);
    expect(joined.home.url).toBe(`${world.portal.url}/`);
    const accounts = await joined.browser.get(`${world.portal.url}/accounts/${admin.organization.id}`);
    expect(accounts.status).toBe(200);

    // The same preview imports once.
    const again = await admin.browser.submit(preview, {}, '/professionals/import/');
    expect(again.status).toBe(404);
    expect(again.html).toContain('This import is no longer waiting');
    expect((await state()).professionals).toBe(after.professionals + 0);
  });

  it('lists every row’s problems before anything is written, and offers no Import', async () => {
    await addProfessional(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Dora', familyName: 'Known', email: 'dora@tailspin.example' },
      sendInvitation: false,
    });
    const before = await state();
    const preview = await upload(
      csv(
        'Ok,Person,ok@tailspin.example,,,',
        'Bad,Mail,not-an-address,,,',
        'Twice,One,twice@tailspin.example,,,',
        'Twice,Two,TWICE@tailspin.example,,,',
        'Dora,Again,Dora@Tailspin.example,,,',
        'Who,Knows,who@tailspin.example,,,Owner',
        ',Nameless,nameless@tailspin.example,,,',
        '"Tab\tby","Line\nbreak",ctl@tailspin.example,,,',
        'Bill,Payer,bill@tailspin.example,,,Billing Contact',
        'Ship,Per,ship@tailspin.example,,,shipping contact',
        '"=HYPERLINK(""http://evil.example"")",Formula,formula@tailspin.example,,,',
        'At,@SUM(A1),at@tailspin.example,-1+1,,',
        'Extra,Columns,extra@tailspin.example,,,,surprise',
      ),
    );
    expect(preview.status).toBe(422);
    expect(textOf(preview.html, '[role="alert"]')).toBe(
      '11 rows need your attention. Nothing was imported: correct the file and upload it again.',
    );
    expect(preview.html).not.toContain('>Import</button>');
    const problems = problemsOf(preview);
    expect(Object.keys(problems)).toEqual(['3', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14']);
    expect(problems['3']).toEqual(['E-mail: Enter a valid e-mail address, like name@example.com.']);
    expect(problems['5']).toEqual(['E-mail: the same address is on row 4.']);
    expect(problems['6']).toEqual(['E-mail: already a professional of this account.']);
    expect(problems['7']![0]).toMatch(/^Role: “Owner” is not a role an import gives/);
    expect(problems['8']).toEqual(['Given name: Enter the first name.']);
    expect(problems['9']).toEqual([
      'Given name: Remove the line break, tab or other control character.',
      'Family name: Remove the line break, tab or other control character.',
    ]);
    for (const row of ['10', '11'])
      expect(problems[row]![0]).toMatch(
        /is a mandatory role, and mandatory roles are never moved by an import/,
      );
    expect(problems['12']![0]).toMatch(/^Given name: starts with “=”, which a spreadsheet runs as a formula/);
    expect(problems['13']).toEqual([
      'Family name: starts with “@”, which a spreadsheet runs as a formula. Remove it.',
      'Phone: starts with “-”, which a spreadsheet runs as a formula. Remove it.',
    ]);
    expect(problems['14']).toEqual(['This row has 7 columns; the first row names 6.']);
    // The upload form is there again, and nothing was written, not even a preview.
    expect(formOf(preview, '/professionals/import').action).toMatch(/\/professionals\/import$/);
    expect(await state()).toEqual(before);
  });

  it('is all or nothing: an address that became a professional since the preview fails the whole import', async () => {
    const preview = await upload(
      csv('Eve,First,eve@tailspin.example,,,', 'Fay,Second,fay@tailspin.example,,,'),
    );
    expect(preview.status).toBe(200);
    await addProfessional(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Fay', familyName: 'Meanwhile', email: 'FAY@tailspin.example' },
      sendInvitation: false,
    });
    const before = await state();
    const refused = await admin.browser.submit(preview, {}, '/professionals/import/');
    expect(refused.status).toBe(409);
    expect(textOf(refused.html, '[role="alert"]')).toBe(
      'Nothing was imported: since the preview, fay@tailspin.example has become a professional of this account. Upload the file again to see an up-to-date preview.',
    );
    expect(await state()).toEqual(before);
    const eve = await world.portal.domain.orm.em
      .getConnection()
      .execute(`select 1 from portal.professional where email = 'eve@tailspin.example'`);
    expect(eve).toEqual([]);
  });

  it('refuses a file of more than 5,000 professionals, or of more than 2 MB, saying so, and writes nothing', async () => {
    const before = await state();
    const rows = Array.from({ length: 5_001 }, (_, i) => `P${i},Many,p${i}@many.example,,,`);
    const many = await upload(csv(...rows));
    expect(many.status).toBe(400);
    expect(textOf(many.html, '[role="alert"]')).toBe(
      'The file has 5,001 professionals; one import takes at most 5,000. Split it into several files.',
    );
    const huge = await upload(
      csv(...Array.from({ length: 20_000 }, (_, i) => `Person${i},${'x'.repeat(90)},p${i}@huge.example,,,`)),
    );
    expect(huge.status).toBe(413);
    expect(huge.html).toContain('The file is larger than 2 MB');
    expect(await state()).toEqual(before);
    // 5,000 exactly is fine (previewed, not imported here).
    const fine = await upload(csv(...rows.slice(0, 5_000)));
    expect(fine.status).toBe(200);
    expect(textOf(fine.html, '#import-summary')).toBe(
      '5,000 professionals will be added, each invited by e-mail.',
    );
  });

  it('refuses hostile files whole with a clear message: binary, not UTF-8, wrong delimiter, broken quotes, huge cells, wrong columns', async () => {
    const before = await state();
    const cases: [string | Uint8Array, string][] = [
      [
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
        'This is not a CSV text file',
      ],
      [
        new Uint8Array([...new TextEncoder().encode(`${HEADER}\nJos`), 0xe9, 0x0a]),
        'The file is not UTF-8 text',
      ],
      [
        'Given name;Family name;E-mail\nAnn;Semi;ann@semi.example\n',
        'The columns are separated by semicolons (;)',
      ],
      ['Given name\tFamily name\tE-mail\nAnn\tTab\tann@tab.example\n', 'The columns are separated by tabs'],
      [csv('"Ann,Open,ann@open.example,,,'), 'A quoted cell is never closed'],
      [csv('Ann,Qu"ote,ann@q.example,,,'), 'A quote is out of place'],
      [csv(`Ann,"${'y'.repeat(100_000)}",ann@big.example,,,`), 'A row is far too long'],
      ['Name,Mail\nAnn,ann@x.example\n', 'The first row names a column “Name” the import does not know'],
      ['Given name,Family name\nAnn,Smith\n', 'E-mail is missing'],
      [HEADER, 'has no professionals below them'],
      ['', 'Choose a CSV file to upload.'],
    ];
    for (const [content, message] of cases) {
      const page = await upload(content);
      expect(page.status, message).toBe(400);
      expect(textOf(page.html, '[role="alert"]'), message).toContain(message);
    }
    // A field too long for its column is a row problem, not a refusal of the file.
    const long = await upload(csv(`${'n'.repeat(101)},Long,long@tailspin.example,,,`));
    expect(problemsOf(long)['2']).toEqual(['Given name: Use at most 100 characters.']);
    // A file name with a path or markup is shown as its last part, as text.
    const named = await upload(csv('Gil,Named,gil@tailspin.example,,,'), admin, 'C:\\Users\\me\\<b>x.csv');
    expect(named.html).toContain('File <strong>&lt;b&gt;x.csv</strong>');
    expect((await state()).professionals).toBe(before.professionals);
  });

  it('forgets a preview after 30 minutes: the periodic pass deletes it, and Import then says so', async () => {
    const preview = await upload(csv('Kim,Late,kim@tailspin.example,,,'));
    const orm = world.portal.domain.orm;
    expect(await deleteExpiredImports(orm, new Date(Date.now() + 29 * 60_000))).toBe(0);
    expect(await deleteExpiredImports(orm, new Date(Date.now() + 31 * 60_000))).toBeGreaterThanOrEqual(1);
    const before = await state();
    const late = await admin.browser.submit(preview, {}, '/professionals/import/');
    expect(late.status).toBe(404);
    expect(textOf(late.html, '[role="alert"]')).toMatch(
      /^This import is no longer waiting: .*expired after 30 minutes/,
    );
    expect(await state()).toEqual(before);
  });

  it('is for administrators of the organization only: another organization’s administrator gets 404 and changes nothing', async () => {
    // The administrator signed in in a second browser too.
    const elsewhere = browserlessClient();
    await acceptBySigningIn(`${world.portal.url}/sign-in`, admin.person, elsewhere);
    const preview = await upload(csv('Hal,Private,hal@tailspin.example,,,'));
    const previewForm = formOf(preview, '/professionals/import/');
    const before = await state();
    const otherBefore = await state(other);
    expect((await other.browser.get(importPath(admin))).status).toBe(404);
    // Uploading to it: 404, and no preview stored.
    const page = await other.browser.get(importPath(other));
    const form = formOf(page, '/professionals/import');
    const stranger = await other.browser.upload(
      {
        ...page,
        html: page.html.replace(
          form.action.replace(world.portal.url, ''),
          `/accounts/${admin.organization.id}/professionals/import`,
        ),
      },
      { field: 'file', name: 'x.csv', content: csv('Ivy,Intruder,ivy@litware.example,,,') },
      '/professionals/import',
    );
    expect(stranger.status).toBe(404);
    // Confirming the administrator's preview, at their organization or at one's own: 404.
    for (const action of [
      previewForm.action,
      previewForm.action.replace(admin.organization.id, other.organization.id),
    ]) {
      const tried = await other.browser.post(action, {
        _csrf: formOf(page, '/professionals/import').hidden._csrf!,
      });
      expect(tried.status, action).toBe(404);
    }
    // The administrator in another browser session: the preview is not theirs there.
    const ownPage = await elsewhere.get(importPath());
    const fromElsewhere = await elsewhere.post(previewForm.action, {
      _csrf: formOf(ownPage, '/professionals/import').hidden._csrf!,
    });
    expect(fromElsewhere.status).toBe(404);
    expect(fromElsewhere.html).toContain('started in another browser session');
    expect(await state()).toEqual(before);
    expect(await state(other)).toEqual(otherBefore);
    // Without the form's CSRF token, the upload is refused too.
    const noToken = await admin.browser.upload(
      preview,
      { field: 'file', name: 'x.csv', content: csv('Jo,Csrf,jo@t.example,,,') },
      '/professionals/import',
      { _csrf: 'forged' },
    );
    expect(noToken.status).toBe(403);
    // And the preview still imports for its own session.
    expect((await admin.browser.submit(preview, {}, '/professionals/import/')).status).toBe(200);
  });
});
