import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { AuditEvent } from '../../portal/audit/audit-event.entity.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import { addProfessional, deleteProfessional } from '../../portal/professionals/professionals.ts';
import { normalizeDomain } from '../../portal/verified-domains/domain-name.ts';
import { joinByVerifiedDomain } from '../../portal/verified-domains/join-by-domain.ts';
import { recheckVerifiedDomains } from '../../portal/verified-domains/recheck-domains.ts';
import { organizationsSuggestedTo } from '../../portal/verified-domains/suggestions.ts';
import { txtLookup } from '../../portal/verified-domains/txt-lookup.ts';
import { VerifiedDomain } from '../../portal/verified-domains/verified-domain.entity.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { hostileText } from '../support/hostile-form-values.ts';
import { csrfTokenOf, textOf } from '../support/html-page.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson, signUpFromSignIn } from '../support/oidc-client.ts';
import { identityOf } from '../support/portal-domain.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import { type OrganizationAdmin, organizationAdmin, usernameOf } from '../support/portal-people.ts';
import { sharedPortal } from '../support/shared-portal.ts';

const HOUR = 3600_000;
let unique = 0;
/** A domain no other test of this file uses. */
const freshDomain = (label: string) => `${label}-${Date.now().toString(36)}${++unique}.test`;

describe('J18: Verified domains', () => {
  let dns: TestDnsServer;
  // The portal asks this server, whose records each test publishes.
  const world = sharedPortal({
    env: async () => {
      dns = await startTestDnsServer();
      return { DNS_SERVERS: dns.address };
    },
  });
  afterAll(async () => {
    await dns?.close();
  });
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(() => {
    ({ idp, portal } = world);
  });

  const orgPage = (admin: OrganizationAdmin) => `${portal.url}/accounts/${admin.organization.id}`;
  const em = () => portal.domain.orm.em.fork();
  const rowOf = (organizationId: string, domain: string) =>
    em().findOne(VerifiedDomain, { organization: organizationId, domain });
  const actions = async (organizationId: string) =>
    (await em().find(AuditEvent, { organizationId }, { orderBy: { at: 'asc' } })).map((e) => e.action);
  const codeOf = (page: Page) => /role="alert" data-code="([^"]+)"/.exec(page.html)?.[1];
  const fieldError = (page: Page) => textOf(page.html, '#domain-error');

  async function addDomain(admin: OrganizationAdmin, domain: string): Promise<Page> {
    return admin.browser.submit(await admin.browser.get(orgPage(admin)), { domain }, '/domains');
  }

  /** Add the domain, publish its record, Verify: the domain page after. */
  async function verifiedDomain(admin: OrganizationAdmin, domain: string): Promise<Page> {
    const page = await addDomain(admin, domain);
    const row = await rowOf(admin.organization.id, domain);
    dns.setTxt(`_gatehouse-challenge.${domain}`, [row!.challenge]);
    const verified = await admin.browser.submit(page, {}, '/verify');
    expect(textOf(verified.html, '[role=status]'), verified.html).toContain('Verified.');
    return verified;
  }

  const setEnrolment = async (browser: BrowserlessClient, page: Page, enrolment: string) =>
    browser.submit(page, { enrolment }, '/enrolment');

  it('Add domain shows the TXT record; Verify refuses while it is missing or wrong, and verifies once it is published (each audited)', async () => {
    const admin = await organizationAdmin(idp, portal, 'Contoso');
    const domain = freshDomain('contoso');
    expect(textOf((await admin.browser.get(orgPage(admin))).html, '#verified-domains h2')).toBe(
      'Verified domains',
    );

    const added = await addDomain(admin, ` ${domain.toUpperCase()}. `);
    const row = (await rowOf(admin.organization.id, domain))!;
    expect(added.url).toBe(`${orgPage(admin)}/domains/${row.id}?done=added`);
    expect(textOf(added.html, '#txt-name')).toBe(`_gatehouse-challenge.${domain}`);
    expect(textOf(added.html, '#txt-value')).toBe(row.challenge);
    expect(row.challenge).toMatch(/^gatehouse-domain-verification=[\w-]{32}$/);
    expect(textOf(added.html, '#zone-line')).toBe(
      `_gatehouse-challenge.${domain}. 3600 IN TXT "${row.challenge}"`,
    );
    expect(row.verifiedAt).toBeNull();

    const missing = await admin.browser.submit(added, {}, '/verify');
    expect(missing.status).toBe(422);
    expect(codeOf(missing)).toBe('absent');
    expect(textOf(missing.html, '[role=alert]')).toContain(`no TXT record at _gatehouse-challenge.${domain}`);

    dns.setTxt(`_gatehouse-challenge.${domain}`, ['gatehouse-domain-verification=someone-elses-value']);
    const wrong = await admin.browser.submit(added, {}, '/verify');
    expect(wrong.status).toBe(422);
    expect(codeOf(wrong)).toBe('wrong-value');
    expect((await rowOf(admin.organization.id, domain))!.verifiedAt).toBeNull();

    // Among other TXT records of the name, as a zone may have.
    dns.setTxt(`_gatehouse-challenge.${domain}`, ['v=spf1 -all', row.challenge]);
    const before = Date.now();
    const verified = await admin.browser.submit(added, {}, '/verify');
    expect(verified.status).toBe(200);
    expect(textOf(verified.html, '[role=status]')).toContain('Verified.');
    expect(verified.html).not.toContain('>Verify</button>');
    const after = (await rowOf(admin.organization.id, domain))!;
    expect(after.verifiedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(after.nextCheckAt!.getTime() - after.verifiedAt!.getTime()).toBe(24 * HOUR);
    expect(dns.questions).toContain(`_gatehouse-challenge.${domain}`);

    const orgHtml = (await admin.browser.get(orgPage(admin))).html;
    expect(textOf(orgHtml, '#verified-domains tbody')).toBe(`${domain} verified Requests only`);
    expect(await actions(admin.organization.id)).toEqual(
      expect.arrayContaining(['domain.added', 'domain.verification-failed', 'domain.verified']),
    );
    const failures = await em().find(AuditEvent, {
      organizationId: admin.organization.id,
      action: 'domain.verification-failed',
    });
    expect(failures.map((e) => e.detail.reason).sort()).toEqual(['absent', 'wrong-value']);
  });

  it('a resolver that cannot answer verifies nothing and says to try again', async () => {
    const admin = await organizationAdmin(idp, portal, 'Outage Ltd');
    const domain = freshDomain('outage');
    const page = await addDomain(admin, domain);
    dns.setTxt(`_gatehouse-challenge.${domain}`, [(await rowOf(admin.organization.id, domain))!.challenge]);
    dns.setDown(true);
    try {
      const refused = await admin.browser.submit(page, {}, '/verify');
      expect(refused.status).toBe(503);
      expect(codeOf(refused)).toBe('unreachable');
      expect(textOf(refused.html, '[role=alert]')).toContain('Try Verify again');
    } finally {
      dns.setDown(false);
    }
    expect((await rowOf(admin.organization.id, domain))!.verifiedAt).toBeNull();
  });

  it('bad input is refused next to the field, normalized input is kept in its ASCII form, and a refusal adds nothing', async () => {
    const admin = await organizationAdmin(idp, portal, 'Input Corp');
    const refusals: [string, string][] = [
      ['', 'Enter the domain'],
      ['localhost', 'full domain name with a dot'],
      ['192.0.2.1', 'not an IP address'],
      ['[2001:db8::1]', 'domain alone'],
      ['contoso .com', 'domain alone'],
      ['ada@contoso.com', 'domain alone'],
      ['contoso.com/path', 'domain alone'],
      ['contoso.com:443', 'domain alone'],
      ['ex%41mple.com', 'domain alone'],
      ['a..b.com', 'not a valid domain name'],
      ['-contoso.com', 'not a valid domain name'],
      ['con_toso.com', 'not a valid domain name'],
      [`${'x'.repeat(64)}.com`, 'not a valid domain name'],
      ['contoso\u0000.com', 'control character'],
      ['contoso.com\r\nX: y', 'control character'],
    ];
    for (const [input, message] of refusals) {
      const refused = await addDomain(admin, input);
      expect(refused.status, input).toBe(400);
      expect(codeOf(refused), input).toBe('INVALID_INPUT');
      expect(fieldError(refused), input).toContain(message);
    }
    expect(await em().count(VerifiedDomain, { organization: admin.organization.id })).toBe(0);

    const idn = `bücher-${Date.now().toString(36)}.test`;
    const added = await addDomain(admin, idn.toUpperCase());
    expect(added.status).toBe(200);
    const [row] = await em().find(VerifiedDomain, { organization: admin.organization.id });
    expect(row!.domain).toMatch(/^xn--bcher-.+\.test$/);
    expect(new URL(`http://${idn}`).hostname).toBe(row!.domain);

    const twice = await addDomain(admin, row!.domain);
    expect(twice.status).toBe(409);
    expect(codeOf(twice)).toBe('DOMAIN_ALREADY_ADDED');
  });

  it('a public mail domain is refused, however it is typed', async () => {
    const admin = await organizationAdmin(idp, portal, 'Freemail Corp');
    for (const input of ['gmail.com', 'Outlook.COM.', 'ⓖmail.com', 'yahoo.co.uk']) {
      const refused = await addDomain(admin, input);
      expect(refused.status, input).toBe(400);
      expect(codeOf(refused), input).toBe('DOMAIN_PUBLIC_MAIL');
      expect(fieldError(refused), input).toContain('is a public mail service');
    }
    expect(await em().count(VerifiedDomain, { organization: admin.organization.id })).toBe(0);
  });

  it('a domain verified by another organization, a parent of it and a subdomain of it are refused; the database holds the rule too', async () => {
    const owner = await organizationAdmin(idp, portal, 'Fabrikam');
    const other = await organizationAdmin(idp, portal, 'Not Fabrikam');
    const base = freshDomain('fabrikam');
    await verifiedDomain(owner, `eu.${base}`);

    const taken = await addDomain(other, `EU.${base}`);
    expect(taken.status).toBe(409);
    expect(codeOf(taken)).toBe('DOMAIN_TAKEN');
    expect(fieldError(taken)).toContain('is verified by another organization');
    for (const [input, says] of [
      [base, `contains eu.${base}`],
      [`de.eu.${base}`, `is part of eu.${base}`],
    ]) {
      const refused = await addDomain(other, input!);
      expect(refused.status, input).toBe(409);
      expect(codeOf(refused), input).toBe('DOMAIN_OVERLAPS');
      expect(fieldError(refused), input).toContain(says);
    }
    expect(await em().count(VerifiedDomain, { organization: other.organization.id })).toBe(0);

    // Claimed by two while unproven: the first to verify owns it, the second is refused at Verify.
    const shared = freshDomain('shared');
    const mine = await addDomain(owner, shared);
    const theirs = await addDomain(other, shared);
    const challenges = await em().find(VerifiedDomain, { domain: shared });
    dns.setTxt(
      `_gatehouse-challenge.${shared}`,
      challenges.map((c) => c.challenge),
    );
    expect((await owner.browser.submit(mine, {}, '/verify')).status).toBe(200);
    const second = await other.browser.submit(theirs, {}, '/verify');
    expect(second.status).toBe(409);
    expect(codeOf(second)).toBe('DOMAIN_TAKEN');
    expect((await rowOf(other.organization.id, shared))!.verifiedAt).toBeNull();
    await expect(
      portal.domain.orm.em
        .getConnection()
        .execute(
          `update portal.verified_domain set verified_at = now() where domain = ? and organization_id = ?`,
          [shared, other.organization.id],
        ),
    ).rejects.toThrow(/verified_domain_owner_key/);
  });

  it('only the organization’s administrators see and change its domains: another organization’s administrator gets 404 and nothing changes', async () => {
    const target = await organizationAdmin(idp, portal, 'Target Domains');
    const outsider = await organizationAdmin(idp, portal, 'Outsider Domains');
    const domain = freshDomain('target');
    await verifiedDomain(target, domain);
    const row = (await rowOf(target.organization.id, domain))!;
    const path = `${orgPage(target)}/domains/${row.id}`;
    const eventsBefore = await actions(target.organization.id);
    const questionsBefore = dns.questions.length;

    const page = await outsider.browser.get(path);
    expect(page.status).toBe(404);
    expect(page.html).not.toContain(domain);
    const csrf = csrfTokenOf((await outsider.browser.get(orgPage(outsider))).html);
    for (const [action, fields] of [
      ['/verify', {}],
      ['/enrolment', { enrolment: 'join' }],
      ['/remove', {}],
    ] as const) {
      const attempt = await outsider.browser.post(`${path}${action}`, { _csrf: csrf, ...fields });
      expect(attempt.status, action).toBe(404);
      expect(attempt.html, action).not.toContain(domain);
    }
    const add = await outsider.browser.post(`${orgPage(target)}/domains`, {
      _csrf: csrf,
      domain: freshDomain('planted'),
    });
    expect(add.status).toBe(404);
    // Their own organization's path with the target's domain id: not theirs either.
    expect((await outsider.browser.get(`${orgPage(outsider)}/domains/${row.id}`)).status).toBe(404);

    const after = (await rowOf(target.organization.id, domain))!;
    expect(after.enrolment).toBe('requests_only');
    expect(after.verifiedAt).toEqual(row.verifiedAt);
    expect(await em().count(VerifiedDomain, { organization: target.organization.id })).toBe(1);
    expect(await actions(target.organization.id)).toEqual(eventsBefore);
    expect(dns.questions.length).toBe(questionsBefore);
    // Signed out: the sign-in, not the page.
    expect((await browserlessClient().get(path)).url.startsWith(idp.issuer)).toBe(true);

    // A partner's administrator manages the customer's domains like its own administrators.
    const partner = await organizationAdmin(idp, portal, 'Partner Domains', 'partner');
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: target.organization.id,
    });
    const seen = await partner.browser.get(path);
    expect(seen.status).toBe(200);
    expect(textOf(seen.html, '#txt-value')).toBe(row.challenge);
    await setEnrolment(partner.browser, seen, 'suggest');
    expect((await rowOf(target.organization.id, domain))!.enrolment).toBe('suggest');
  });

  it('a post without the form’s CSRF token is refused with 403 and changes nothing', async () => {
    const admin = await organizationAdmin(idp, portal, 'Forged Corp');
    const domain = freshDomain('forged');
    await verifiedDomain(admin, domain);
    const row = (await rowOf(admin.organization.id, domain))!;
    const path = `${orgPage(admin)}/domains`;
    const eventsBefore = await actions(admin.organization.id);
    for (const [action, fields] of [
      [path, { domain: freshDomain('planted') }],
      [`${path}/${row.id}/verify`, {}],
      [`${path}/${row.id}/enrolment`, { enrolment: 'join' }],
      [`${path}/${row.id}/remove`, {}],
    ] as const) {
      const refused = await admin.browser.post(action, fields);
      expect(refused.status, action).toBe(403);
    }
    expect((await rowOf(admin.organization.id, domain))!.enrolment).toBe('requests_only');
    expect(await em().count(VerifiedDomain, { organization: admin.organization.id })).toBe(1);
    expect(await actions(admin.organization.id)).toEqual(eventsBefore);
  });

  it('each enrolment mode is saved and audited; Suggest this organization offers it to verified people of the domain; a bad mode changes nothing', async () => {
    const admin = await organizationAdmin(idp, portal, 'Suggested Corp');
    const domain = freshDomain('suggested');
    const page = await verifiedDomain(admin, domain);
    const person = identityOf(`kim@${domain}`);
    expect(await organizationsSuggestedTo(em(), person)).toEqual([]);

    const suggest = await setEnrolment(admin.browser, page, 'suggest');
    expect(textOf(suggest.html, '[role=status]')).toBe('Saved.');
    expect(suggest.html).toMatch(/value="suggest" checked/);
    expect(await organizationsSuggestedTo(em(), person)).toEqual([
      { id: admin.organization.id, name: 'Suggested Corp' },
    ]);
    expect(
      await organizationsSuggestedTo(em(), { ...person, email: `Kim@${domain.toUpperCase()}` }),
    ).toHaveLength(1);
    expect(await organizationsSuggestedTo(em(), { ...person, emailVerified: false })).toEqual([]);

    const bad = await setEnrolment(admin.browser, page, 'everyone');
    expect(bad.status).toBe(400);
    expect(codeOf(bad)).toBe('INVALID_INPUT');
    expect(bad.html).toContain('Choose how people of this domain may join.');
    await setEnrolment(admin.browser, page, 'join');
    await setEnrolment(admin.browser, page, 'join');
    await setEnrolment(admin.browser, page, 'requests_only');
    expect((await rowOf(admin.organization.id, domain))!.enrolment).toBe('requests_only');
    const changes = await em().find(
      AuditEvent,
      { organizationId: admin.organization.id, action: 'domain.enrolment-changed' },
      { orderBy: { at: 'asc' } },
    );
    expect(changes.map((e) => `${e.detail.from}→${e.detail.to}`)).toEqual([
      'requests_only→suggest',
      'suggest→join',
      'join→requests_only',
    ]);
  });

  it('Remove domain takes it off the organization (audited), and another organization may verify it then', async () => {
    const admin = await organizationAdmin(idp, portal, 'Removing Corp');
    const next = await organizationAdmin(idp, portal, 'Next Owner Corp');
    const domain = freshDomain('removed');
    const page = await verifiedDomain(admin, domain);
    const gone = await admin.browser.submit(page, {}, '/remove');
    expect(gone.url).toBe(`${orgPage(admin)}#verified-domains`);
    expect(textOf(gone.html, '#verified-domains')).not.toContain(domain);
    expect(await rowOf(admin.organization.id, domain)).toBeNull();
    expect(await actions(admin.organization.id)).toContain('domain.removed');
    await verifiedDomain(next, domain);
  });

  describe('the periodic re-check', () => {
    const pass = (now: Date) => recheckVerifiedDomains(portal.domain, txtLookup([dns.address]), 1000)(now);
    const tomorrow = () => new Date(Date.now() + 25 * HOUR);

    it('keeps a domain whose record is there, and checks it again a day later', async () => {
      const admin = await organizationAdmin(idp, portal, 'Kept Corp');
      const domain = freshDomain('kept');
      await verifiedDomain(admin, domain);
      const verified = (await rowOf(admin.organization.id, domain))!;
      await pass(new Date());
      expect((await rowOf(admin.organization.id, domain))!.nextCheckAt).toEqual(verified.nextCheckAt);
      const now = tomorrow();
      expect(await pass(now)).toBeGreaterThanOrEqual(1);
      const row = (await rowOf(admin.organization.id, domain))!;
      expect(row.verifiedAt).not.toBeNull();
      expect(row.lastCheckedAt).toEqual(now);
      expect(row.nextCheckAt).toEqual(new Date(now.getTime() + 24 * HOUR));
    });

    it('a record gone, or holding another value, loses the status at once: audited, administrators e-mailed, no longer suggested', async () => {
      for (const [name, publish] of [
        ['gone', (record: string) => dns.remove(record)],
        ['changed', (record: string) => dns.setTxt(record, ['gatehouse-domain-verification=new-owner'])],
      ] as const) {
        const admin = await organizationAdmin(idp, portal, `Lost ${name} Corp`);
        const domain = freshDomain(name);
        await setEnrolment(admin.browser, await verifiedDomain(admin, domain), 'suggest');
        publish(`_gatehouse-challenge.${domain}`);
        await pass(tomorrow());
        const row = (await rowOf(admin.organization.id, domain))!;
        expect(row.verifiedAt, name).toBeNull();
        expect(row.nextCheckAt, name).toBeNull();
        const [lost] = await em().find(AuditEvent, {
          organizationId: admin.organization.id,
          action: 'domain.lost',
        });
        expect(lost!.target).toBe(domain);
        expect(lost!.actor).toBe('system');
        expect(lost!.detail.reason).toBe(name === 'gone' ? 'absent' : 'wrong-value');
        const mail = await idp.smtp.waitForMail(
          (m) => m.to === admin.person.email && m.subject.includes(domain),
        );
        expect(mail.subject).toBe(`${domain} is no longer a verified domain of Lost ${name} Corp`);
        expect(await organizationsSuggestedTo(em(), identityOf(`kim@${domain}`))).toEqual([]);
        const page = await admin.browser.get(`${orgPage(admin)}/domains/${row.id}`);
        expect(page.html).toContain('<strong>not verified</strong>');
      }
    });

    it('a resolver that is down keeps the status and tries again in an hour; unconfirmed for three days, the domain is lost', async () => {
      const admin = await organizationAdmin(idp, portal, 'Resilient Corp');
      const domain = freshDomain('resilient');
      await verifiedDomain(admin, domain);
      const verifiedAt = (await rowOf(admin.organization.id, domain))!.verifiedAt!;
      dns.setDown(true);
      try {
        const now = tomorrow();
        await pass(now);
        let row = (await rowOf(admin.organization.id, domain))!;
        expect(row.verifiedAt).toEqual(verifiedAt);
        expect(row.nextCheckAt).toEqual(new Date(now.getTime() + HOUR));
        await pass(new Date(verifiedAt.getTime() + 71 * HOUR));
        expect((await rowOf(admin.organization.id, domain))!.verifiedAt).toEqual(verifiedAt);
        expect(await actions(admin.organization.id)).not.toContain('domain.lost');
        await pass(new Date(verifiedAt.getTime() + 73 * HOUR));
        row = (await rowOf(admin.organization.id, domain))!;
        expect(row.verifiedAt).toBeNull();
        const [lost] = await em().find(AuditEvent, {
          organizationId: admin.organization.id,
          action: 'domain.lost',
        });
        expect(lost!.detail.reason).toBe('unreachable');
      } finally {
        dns.setDown(false);
      }
    });

    it('two instances running a pass at once check each domain once', async () => {
      const admin = await organizationAdmin(idp, portal, 'Twice Corp');
      const domain = freshDomain('twice');
      await verifiedDomain(admin, domain);
      const now = new Date(Date.now() + 26 * HOUR);
      const asked = () => dns.questions.filter((q) => q === `_gatehouse-challenge.${domain}`).length;
      const before = asked();
      const [a, b] = await Promise.all([pass(now), pass(now)]);
      expect(asked() - before).toBe(1);
      expect(a + b).toBeGreaterThanOrEqual(1);
    });
  });

  describe('Join automatically', () => {
    async function joiningOrganization(name: string) {
      const admin = await organizationAdmin(idp, portal, name);
      const domain = freshDomain(name.split(' ')[0]!.toLowerCase());
      await setEnrolment(admin.browser, await verifiedDomain(admin, domain), 'join');
      return { admin, domain };
    }
    const professionalsOf = (organizationId: string, email: string) =>
      em().find(Professional, { organization: organizationId, email: { $ilike: email } });

    it('a person whose verified e-mail is in the domain signs up, signs in and lands in the portal as an active professional with no roles; audited, administrators e-mailed; once only', async () => {
      const { admin, domain } = await joiningOrganization('Joiner Corp');
      const person = newPerson({ givenName: 'Grace', familyName: 'Hopper', email: `grace@${domain}` });
      const browser = browserlessClient();
      const home = await signUpFromSignIn(
        browser,
        await browser.get(`${portal.url}/sign-in`),
        idp.smtp,
        person,
      );
      expect(home.url).toBe(`${portal.url}/`);
      expect(usernameOf(home)).toBe('Grace Hopper');
      expect(home.html).not.toContain('not a member');
      const [joined, ...more] = await professionalsOf(admin.organization.id, person.email);
      expect(more).toEqual([]);
      expect(joined!.status).toBe('active');
      expect(joined!.isAdministrator).toBe(false);
      expect(joined!.fullName()).toBe('Grace Hopper');
      expect(joined!.idpSubject).not.toBeNull();
      const [event] = await em().find(AuditEvent, {
        organizationId: admin.organization.id,
        action: 'professional.joined-by-domain',
      });
      expect(event!.actor).toBe(person.email);
      expect(event!.detail).toMatchObject({ domain, bound: 'new' });
      const mail = await idp.smtp.waitForMail(
        (m) => m.to === admin.person.email && m.subject.includes(person.email),
      );
      expect(mail.subject).toBe(`${person.email} joined Joiner Corp by its verified domain`);
      expect(mail.text).toContain('Grace Hopper');
      // The licensing page of the organization is theirs now.
      expect((await browser.get(`${portal.url}/org/${admin.organization.id}/licensing`)).status).toBe(200);

      // Deleted by an administrator, they do not come back at their next sign-in.
      await deleteProfessional(portal.domain, {
        actor: SYSTEM_ACTOR,
        organizationId: admin.organization.id,
        professionalId: joined!.id,
      });
      await joinByVerifiedDomain(portal.domain, {
        issuer: joined!.idpIssuer!,
        subject: joined!.idpSubject!,
        email: person.email,
        emailVerified: true,
        name: 'Grace Hopper',
      });
      expect(await professionalsOf(admin.organization.id, person.email)).toEqual([]);
    });

    it('an unverified e-mail joins nothing, nor does a domain that only suggests, or one not verified', async () => {
      const { admin, domain } = await joiningOrganization('Careful Joiner Corp');
      await joinByVerifiedDomain(portal.domain, { ...identityOf(`kim@${domain}`), emailVerified: false });
      expect(await professionalsOf(admin.organization.id, `kim@${domain}`)).toEqual([]);

      const suggesting = await organizationAdmin(idp, portal, 'Suggest Only Corp');
      const other = freshDomain('suggest-only');
      await setEnrolment(suggesting.browser, await verifiedDomain(suggesting, other), 'suggest');
      await joinByVerifiedDomain(portal.domain, identityOf(`kim@${other}`));
      expect(await professionalsOf(suggesting.organization.id, `kim@${other}`)).toEqual([]);

      const unproven = await organizationAdmin(idp, portal, 'Unproven Corp');
      const third = freshDomain('unproven');
      await setEnrolment(unproven.browser, await addDomain(unproven, third), 'join');
      await joinByVerifiedDomain(portal.domain, identityOf(`kim@${third}`));
      expect(await professionalsOf(unproven.organization.id, `kim@${third}`)).toEqual([]);
    });

    it('racing first sign-ins make one professional; a professional already there is not duplicated, and an unclaimed row of the address is bound (audited)', async () => {
      const { admin, domain } = await joiningOrganization('Racing Corp');
      const racer = identityOf(`lin@${domain}`);
      await Promise.all([
        joinByVerifiedDomain(portal.domain, racer),
        joinByVerifiedDomain(portal.domain, racer),
      ]);
      await joinByVerifiedDomain(portal.domain, racer);
      expect(await professionalsOf(admin.organization.id, racer.email)).toHaveLength(1);

      const { professional: invited } = await addProfessional(portal.domain, {
        actor: SYSTEM_ACTOR,
        organizationId: admin.organization.id,
        profile: { givenName: 'Ivy', familyName: 'Invited', email: `ivy@${domain}` },
        roles: { administrator: true, billingContact: false, shippingContact: false },
      });
      await joinByVerifiedDomain(portal.domain, identityOf(`IVY@${domain.toUpperCase()}`));
      const [bound, ...others] = await professionalsOf(admin.organization.id, `ivy@${domain}`);
      expect(others).toEqual([]);
      expect(bound!.id).toBe(invited.id);
      expect(bound!.status).toBe('active');
      expect(bound!.isAdministrator).toBe(true);
      const events = await em().find(AuditEvent, {
        organizationId: admin.organization.id,
        action: 'professional.joined-by-domain',
      });
      expect(events.map((e) => e.detail.bound).sort()).toEqual(['new', 'unclaimed-row']);

      // The administrator signs in with an address of the domain too: already one, nothing added.
      const count = await em().count(Professional, { organization: admin.organization.id });
      await joinByVerifiedDomain(portal.domain, {
        ...identityOf(`ivy@${domain}`),
        subject: 'another-account',
      });
      expect(await em().count(Professional, { organization: admin.organization.id })).toBe(count);
    });
  });
});

describe('DNS_SERVERS', () => {
  it('takes IP addresses with optional ports, and names the variable when one is not', () => {
    const config = loadConfig({ DNS_SERVERS: '127.0.0.1:5353, 192.0.2.53,[::1]:53,2001:db8::1' });
    expect(config.DNS_SERVERS).toEqual(['127.0.0.1:5353', '192.0.2.53', '[::1]:53', '2001:db8::1']);
    expect(loadConfig({}).DNS_SERVERS).toBeUndefined();
    for (const bad of ['dns.example.com', '127.0.0.1:99999', '300.1.1.1', ' , ', '::1:53x'])
      expect(() => loadConfig({ DNS_SERVERS: bad }), bad).toThrow(ConfigError);
    expect(() => loadConfig({ DNS_SERVERS: 'dns.example.com' })).toThrow(
      /DNS_SERVERS: "dns.example.com" is not an IP address with an optional port/,
    );
  });
});

describe('normalizeDomain', () => {
  // fast-check prints the seed and the shrunk input of a failure: run it again with that seed.
  it('whatever is typed: a refusal on the domain field, or a lower-case ASCII host name that normalizes to itself and fits the table', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9ü-]{1,12}$/);
    const typed = fc.oneof(
      hostileText,
      fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
      fc
        .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '.', ' ', '..'))
        .map(([labels, end]) => `${labels.join('.')}${end}`),
    );
    fc.assert(
      fc.property(typed, (input) => {
        let domain: string;
        try {
          domain = normalizeDomain(input);
        } catch (error) {
          expect(isAppError(error, 'INVALID_INPUT') && Boolean(error.fields.domain)).toBe(true);
          return;
        }
        expect(domain).toMatch(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/);
        expect(domain.length).toBeGreaterThanOrEqual(3);
        expect(domain.length).toBeLessThanOrEqual(253);
        expect(normalizeDomain(domain)).toBe(domain);
      }),
      { numRuns: 500 },
    );
  });
});
