import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../adapters/db/database.ts';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { ensureDemoOrganizations } from '../../portal/demo/demo-organizations.ts';
import { License } from '../../portal/licensing/license.entity.ts';
import { Organization, PartnerLink } from '../../portal/organizations/organization.entity.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import { portalSchema } from '../../portal/schema.ts';
import { type RunningSystem, startSystem } from '../../system/start-system.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { createTestDatabase } from '../support/database.ts';
import { newPerson, signUpFromSignIn } from '../support/oidc-client.ts';
import {
  invariantViolations,
  openTestPortalDomain,
  type TestPortalDomain,
} from '../support/portal-domain.ts';
import { usernameOf } from '../support/portal-people.ts';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp-capture.ts';

const run = promisify(execFile);

describe('the org commands of the CLI', () => {
  let domain: TestPortalDomain;
  beforeAll(async () => {
    domain = await openTestPortalDomain();
  });
  afterAll(() => domain.orm.close(true));

  const cli = (...args: string[]) =>
    run(process.execPath, ['cli/main.ts', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: domain.databaseUrl,
        NODE_ENV: 'test',
        PORTAL_URL: 'http://portal.test',
      },
    });

  it('org create prints the invitation link last; org link-partner links a partner to a customer', async () => {
    const customer = await cli(
      'org',
      'create',
      '--name',
      'Cli Customer',
      '--admin-email',
      'c@cli.test',
      '--admin-first',
      'Cee',
      '--admin-last',
      'Ell',
    );
    const lines = customer.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^http:\/\/portal\.test\/invitations\/accept\?token=[\w-]+\.[\w-]+\.[\w-]+$/,
    );
    const partner = await cli(
      'org',
      'create',
      '--name',
      'Cli Partner',
      '--kind',
      'partner',
      '--admin-email',
      'p@cli.test',
      '--admin-first',
      'Pe',
      '--admin-last',
      'Ar',
    );
    const idOf = (out: string) => /^id: (\S+)$/m.exec(out)![1]!;
    await cli('org', 'link-partner', '--partner', idOf(partner.stdout), '--customer', idOf(customer.stdout));
    expect(await domain.orm.em.fork().count(PartnerLink, { partnerId: idOf(partner.stdout) })).toBe(1);
    const mail = await domain.orm.em
      .getConnection()
      .execute<{ to: string }[]>(`select "to" from portal.outbox_mail order by created_at`);
    expect(mail.map((m) => m.to)).toEqual(['c@cli.test', 'p@cli.test']);
  });

  it('bad arguments are refused naming the field, and create nothing', async () => {
    const failed = await cli(
      'org',
      'create',
      '--name',
      'Bad',
      '--admin-email',
      'nope',
      '--admin-first',
      'A',
      '--admin-last',
      'B',
    ).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('email');
    expect(await domain.orm.em.fork().count(Organization, { name: 'Bad' })).toBe(0);
  });

  it('the demo organizations are created once, and the partner administers the customer', async () => {
    const first = await ensureDemoOrganizations(domain);
    const second = await ensureDemoOrganizations(domain);
    expect(first.map((a) => a.organization)).toEqual(second.map((a) => a.organization));
    expect(second.every((a) => a.invitationLink)).toBe(true);
    expect(await domain.orm.em.fork().count(Organization, { name: { $like: '%(demo %' } })).toBe(2);
    expect(await domain.orm.em.fork().count(PartnerLink, {})).toBe(2);
  });

  it('only the demo organizations come with made-up licences, three each however often they are ensured', async () => {
    await ensureDemoOrganizations(domain);
    const em = domain.orm.em.fork();
    const licences = async (name: string) => {
      const organization = await em.findOneOrFail(Organization, { name });
      return em.count(License, { organizationId: organization.id });
    };
    expect(await licences('Contoso (demo customer)')).toBe(3);
    expect(await licences('Encore (demo partner)')).toBe(3);
    expect(await licences('Cli Customer')).toBe(0);
  });
});

describe('the demo organizations when two instances start together for the first time', () => {
  it('are created once each, whichever start gets there first', async () => {
    const first = await openTestPortalDomain();
    const second = {
      ...first,
      orm: await openDatabase(portalSchema, { url: first.databaseUrl, poolMax: 10 }),
    };
    try {
      const [a, b] = await Promise.all([ensureDemoOrganizations(first), ensureDemoOrganizations(second)]);
      expect(a.map((x) => x.organization)).toEqual(b.map((x) => x.organization));
      const em = first.orm.em.fork();
      for (const name of ['Contoso (demo customer)', 'Encore (demo partner)']) {
        expect(await em.count(Organization, { name }), name).toBe(1);
      }
      expect(await em.count(Professional, {})).toBe(2);
      expect(await em.count(PartnerLink, {})).toBe(1);
      expect(await invariantViolations(first.orm)).toEqual([]);
    } finally {
      await second.orm.close(true);
      await first.orm.close(true);
    }
  });
});

describe('npm start runs the portal beside the IdP, with the demo organizations', () => {
  let system: RunningSystem;
  let smtp: SmtpCapture;
  let portalUrl: string;
  let issuer: string;
  const printed: string[] = [];
  beforeAll(async () => {
    smtp = await startSmtpCapture();
    const [portalPort, idpPort] = [await freePort(), await freePort()];
    portalUrl = `http://127.0.0.1:${portalPort}`;
    issuer = `http://127.0.0.1:${idpPort}`;
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.join(' '));
    });
    system = await startSystem({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: await createTestDatabase(),
      SMTP_URL: smtp.url,
      PORTAL_PORT: String(portalPort),
      PORTAL_URL: portalUrl,
      IDP_PORT: String(idpPort),
      IDP_ISSUER: issuer,
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await system?.stop();
    await smtp?.stop();
  });

  it('prints the portal URL and how to get in as the demo administrator, whose link works', async () => {
    const output = printed.join('\n');
    expect(output).toContain(`Portal: ${portalUrl}`);
    const link = new RegExp(`open (${portalUrl}/invitations/accept\\?token=\\S+)`).exec(output)![1]!;
    expect(output).toContain('admin@contoso.example.com');
    const browser = browserlessClient();
    const signIn = await browser.get(link);
    expect(signIn.url.startsWith(`${issuer}/interaction/`)).toBe(true);
    const person = newPerson({
      email: 'admin@contoso.example.com',
      givenName: 'Casey',
      familyName: 'Contoso',
    });
    const home = await signUpFromSignIn(browser, signIn, smtp, person);
    expect(home.url).toBe(`${portalUrl}/`);
    expect(usernameOf(home)).toBe('Casey Contoso');
    const accounts = await browser.get(`${portalUrl}/accounts`);
    expect(accounts.html).toContain('Contoso (demo customer)');
  });
});
