import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { AuditEvent } from '../../portal/audit/audit-event.entity.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { claimInvitation } from '../../portal/invitations/claim-invitation.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import {
  identityOf,
  openTestPortalDomain,
  type TestPortalDomain,
  tokenOf,
} from '../support/portal-domain.ts';

const run = promisify(execFile);
const LINK = /^http:\/\/portal\.test\/invitations\/accept\?token=[\w-]+\.[\w-]+\.[\w-]+$/;

/** `npm run cli -- org add-admin …` (recovery, DESIGN "Administrators who can act"). */
describe('org add-admin', () => {
  let domain: TestPortalDomain;
  let organizationId: string;
  beforeAll(async () => {
    domain = await openTestPortalDomain();
    const created = await createOrganization(domain, {
      actor: SYSTEM_ACTOR,
      name: 'Recovery Co',
      admin: { givenName: 'Gone', familyName: 'Away', email: 'gone@recovery.test' },
    });
    organizationId = created.organization.id;
  });
  afterAll(() => domain.orm.close(true));

  /** The command as an operator runs it; resolves to its exit code and output, success or not. */
  const cli = (...args: string[]) =>
    run(process.execPath, ['cli/main.ts', 'org', 'add-admin', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: domain.databaseUrl,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PORTAL_URL: 'http://portal.test',
        // The test domain's key, so the printed link is checked here by claiming it.
        INVITATION_SECRET: new TextDecoder().decode(domain.invitationKey),
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const sql = <T>(query: string, params: unknown[] = []) =>
    domain.orm.em.getConnection().execute<T[]>(query, params);
  /** Everything the command could change, as one comparable string. */
  const state = async () =>
    JSON.stringify(
      await Promise.all([
        sql('select * from portal.organization order by id'),
        sql('select * from portal.professional order by id'),
        sql('select * from portal.invitation order by id'),
        sql('select count(*)::int as n from portal.outbox_mail'),
        sql('select count(*)::int as n from portal.audit_event'),
      ]),
    );
  const claim = (link: string, email: string) =>
    claimInvitation(domain, { token: tokenOf(link), identity: identityOf(email) }).then(
      () => 'ok',
      (e) => (isAppError(e) ? e.code : Promise.reject(e)),
    );

  it('adds an Administrator, e-mails the invitation through the outbox, prints the link last, audited as the system', async () => {
    const done = await cli(
      '--org',
      organizationId,
      '--email',
      'new@recovery.test',
      '--first',
      'New',
      '--last',
      'Admin',
    );
    expect(done.code).toBe(0);
    const lines = done.stdout.trim().split('\n');
    expect(lines[0]).toBe('Added Administrator of Recovery Co: New Admin');
    expect(lines.at(-1)).toMatch(LINK);
    const added = await domain.orm.em.fork().findOneOrFail(Professional, { email: 'new@recovery.test' });
    expect(added).toMatchObject({
      isAdministrator: true,
      status: 'invited',
      organization: { id: organizationId },
    });
    const mail = await sql<{ to: string; text: string }>(
      `select "to", text from portal.outbox_mail where "to" = ?`,
      ['new@recovery.test'],
    );
    expect(mail).toHaveLength(1);
    expect(mail[0]!.text).toContain(lines.at(-1)!);
    const events = await domain.orm.em
      .fork()
      .find(AuditEvent, { organizationId, target: 'New Admin' }, { orderBy: { at: 'asc' } });
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      ['system', 'professional.added'],
      ['system', 'role.granted'],
      ['system', 'invitation.sent'],
    ]);
    expect(await claim(lines.at(-1)!, 'new@recovery.test')).toBe('ok');
  });

  it('gives an existing professional (any case of the e-mail) the role and a fresh link; the older link stops working', async () => {
    const { professional, invitationLink: older } = await addProfessional(domain, {
      actor: SYSTEM_ACTOR,
      organizationId,
      profile: { givenName: 'Pat', familyName: 'Member', email: 'pat@recovery.test' },
    });
    expect(professional.isAdministrator).toBe(false);
    const done = await cli(
      '--org',
      organizationId,
      '--email',
      'PAT@Recovery.test',
      '--first',
      'X',
      '--last',
      'Y',
    );
    expect(done.code).toBe(0);
    const lines = done.stdout.trim().split('\n');
    expect(lines[0]).toBe('Existing professional, now Administrator of Recovery Co: Pat Member');
    const now = await domain.orm.em.fork().find(Professional, { email: 'pat@recovery.test' });
    expect(now.map((p) => [p.id, p.givenName, p.isAdministrator])).toEqual([[professional.id, 'Pat', true]]);
    expect(await claim(older!, 'pat@recovery.test')).toBe('INVITATION_REVOKED');
    expect(await claim(lines.at(-1)!, 'pat@recovery.test')).toBe('ok');
  });

  it.each([
    [['--email', 'a@recovery.test', '--first', 'A', '--last', 'B'], '--org is required'],
    [
      [
        '--org',
        '00000000-0000-4000-8000-000000000000',
        '--email',
        'a@recovery.test',
        '--first',
        'A',
        '--last',
        'B',
      ],
      'No organization has the id "00000000-0000-4000-8000-000000000000". Nothing was changed.',
    ],
    [
      ['--org', 'not-an-id', '--email', 'a@recovery.test', '--first', 'A', '--last', 'B'],
      'No organization has the id',
    ],
    [
      ['--org', '<org>', '--email', 'not-an-email', '--first', 'A', '--last', 'B'],
      '--email: Enter a valid e-mail',
    ],
    [['--org', '<org>', '--email', 'a@recovery.test', '--last', 'B'], '--first: Enter the first name.'],
    [['--org', '<org>', '--email', 'a@recovery.test', '--first', 'A'], '--last: Enter the last name.'],
    [
      ['--org', '<org>', '--email', 'a@recovery.test', '--first', 'A\r\nBcc: x@evil.test', '--last', 'B'],
      '--first: Remove the line break, tab or other control character.',
    ],
  ])('refuses %j with a clear message and exit code 2, changing nothing', async (args, message) => {
    const before = await state();
    const failed = await cli(...args.map((a) => (a === '<org>' ? organizationId : a)));
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain(message);
    expect(failed.stdout).toBe('');
    expect(await state()).toBe(before);
  });

  it('refuses an unknown option, changing nothing', async () => {
    const before = await state();
    const failed = await cli(
      '--org',
      organizationId,
      '--email',
      'a@recovery.test',
      '--first',
      'A',
      '--last',
      'B',
      '--kind',
      'x',
    );
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("Unknown option '--kind'");
    expect(await state()).toBe(before);
  });
});
