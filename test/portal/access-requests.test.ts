import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessRequest } from '../../portal/access-requests/access-request.entity.ts';
import { expireAccessRequests } from '../../portal/access-requests/expire-requests.ts';
import { requestAccess } from '../../portal/access-requests/request-access.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { AuditEvent } from '../../portal/audit/audit-event.entity.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Invitation } from '../../portal/invitations/invitation.entity.ts';
import { Organization } from '../../portal/organizations/organization.entity.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import { portalPeriodicWork } from '../../portal/periodic-work.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { VerifiedDomain } from '../../portal/verified-domains/verified-domain.entity.ts';
import type { Page } from '../support/browserless-client.ts';
import { csrfTokenOf, textOf, textsOf } from '../support/html-page.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import {
  nonMemberSignsUp,
  type OrganizationAdmin,
  organizationAdmin,
  type PortalPerson,
} from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';
import { sharedPortal } from '../support/shared-portal.ts';

const DAY_MS = 24 * 3600 * 1000;

describe('J16-J17: access requests', () => {
  const world = sharedPortal();
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(() => {
    ({ idp, portal } = world);
  });

  const em = () => portal.domain.orm.em.fork();
  const orgPage = (admin: OrganizationAdmin) => `${portal.url}/accounts/${admin.organization.id}`;
  const accountNumberOf = async (organizationId: string) =>
    (await em().findOneOrFail(Organization, { id: organizationId })).accountNumber;
  const requestsBy = (email: string) =>
    em().find(AccessRequest, { requesterEmail: email }, { orderBy: { createdAt: 'asc' } });

  /** The J12 page's account number form, filled and sent. */
  const requestByNumber = (person: PortalPerson, accountNumber: string, message = '') =>
    person.browser.submit(person.home, { accountNumber, message }, '/access-requests/by-number');

  /** An organization with its own administrator and account number. */
  async function organizationWithRequester(name: string) {
    const admin = await organizationAdmin(idp, portal, name);
    const person = await nonMemberSignsUp(idp, portal, newPerson({ givenName: 'Rita', familyName: 'Quest' }));
    return { admin, person, accountNumber: await accountNumberOf(admin.organization.id) };
  }

  /** An organization made as the CLI would, with no one signed in to it: a number to ask. */
  async function bareOrganization(name: string) {
    const { organization } = await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name,
      admin: { givenName: 'Ann', familyName: name, email: `ann.${randomUUID()}@bare.example` },
      sendInvitation: false,
    });
    return organization;
  }

  /** The request's row in the organization page's Access requests, as the administrator sees it. */
  async function requestRow(admin: OrganizationAdmin, email: string): Promise<{ page: Page; row?: string }> {
    const page = await admin.browser.get(orgPage(admin));
    const row = textsOf(page.html, '#access-requests tbody tr').find((r) => r.includes(email));
    return { page, row };
  }

  it('by account number, with a message: the administrators and the partner’s are e-mailed, the accounts page counts it, the organization page lists it, the person sees it pending', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Numbered Corp');
    const partner = await organizationAdmin(idp, portal, 'Numbered Partner', 'partner');
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: admin.organization.id,
    });
    expect(accountNumber).toMatch(/^[1-9][0-9]{7}$/);
    expect(textOf((await admin.browser.get(orgPage(admin))).html, '#account-number')).toBe(accountNumber);
    expect(person.home.html).toContain('<h2>Request access</h2>');

    // Typed as people read numbers out: with a space.
    const typed = `${accountNumber.slice(0, 4)} ${accountNumber.slice(4)}`;
    const sent = await requestByNumber(person, typed, 'I run the Oslo office, please add me.');
    expect(sent.url).toBe(`${portal.url}/?done=requested`);
    expect(textOf(sent.html, '[role=status]')).toContain('Your request is sent.');
    expect(textsOf(sent.html, '#your-requests tbody tr')).toEqual([
      expect.stringMatching(/^Numbered Corp \d{4}-\d{2}-\d{2} pending$/),
    ]);

    for (const to of [admin.person.email, partner.person.email]) {
      const mail = await idp.smtp.waitForMail((m) => m.to === to && m.subject.startsWith('Access request'));
      expect(mail.subject).toBe('Access request for Numbered Corp on CustomerSource');
      expect(mail.text).toContain(`Rita Quest (${person.person.email}) asks for access`);
      expect(mail.text).toContain('I run the Oslo office, please add me.');
      expect(mail.links).toContain(`${orgPage(admin)}#access-requests`);
    }

    for (const who of [admin, partner]) {
      const accounts = await who.browser.get(`${portal.url}/accounts`);
      const line = textsOf(accounts.html, 'li').find((l) => l.startsWith('Numbered Corp'));
      expect(line).toBe('Numbered Corp (customer) · 1 pending access request');
    }
    expect((await partner.browser.get(orgPage(admin))).html).toContain(person.person.email);
    const seen = await requestRow(admin, person.person.email);
    expect(seen.row).toMatch(
      new RegExp(
        `^Rita Quest ${person.person.email.replace(/\./g, '\\.')} \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} I run the Oslo office, please add me\\.`,
      ),
    );

    const [request] = await requestsBy(person.person.email);
    expect(request).toMatchObject({
      status: 'pending',
      requesterName: 'Rita Quest',
      requesterIssuer: idp.issuer,
      message: 'I run the Oslo office, please add me.',
    });
    expect(request!.expiresAt.getTime() - request!.createdAt.getTime()).toBe(30 * DAY_MS);
    const made = await em().find(AuditEvent, {
      organizationId: admin.organization.id,
      action: 'request.made',
    });
    expect(made.map((e) => [e.actor, e.target])).toEqual([[person.person.email, 'Rita Quest']]);
  });

  it('Approve with a role: the person is an active professional bound to their account at once (no invitation), told by e-mail, and their next page is the portal home with the organization', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Approving Corp');
    await requestByNumber(person, accountNumber);
    const { page } = await requestRow(admin, person.person.email);
    const [request] = await requestsBy(person.person.email);
    const approved = await admin.browser.submit(
      page,
      { billingContact: 'yes' },
      `/access-requests/${request!.id}/approve`,
    );
    expect(approved.url).toBe(`${orgPage(admin)}?done=approved#access-requests`);
    expect(textOf(approved.html, '[role=status]')).toContain('Approved.');
    expect(textOf(approved.html, '#access-requests')).toContain('No one is waiting for access.');

    const professional = await em().findOneOrFail(Professional, {
      organization: admin.organization.id,
      email: person.person.email,
    });
    expect(professional).toMatchObject({
      givenName: 'Rita',
      familyName: 'Quest',
      status: 'active',
      isAdministrator: false,
      idpIssuer: request!.requesterIssuer,
      idpSubject: request!.requesterSubject,
    });
    const organization = await em().findOneOrFail(Organization, { id: admin.organization.id });
    expect(organization.billingContactId).toBe(professional.id);
    expect(await em().count(Invitation, { professional: professional.id })).toBe(0);

    const home = await person.browser.get(`${portal.url}/`);
    expect(home.status).toBe(200);
    expect(home.html).toContain('Approving Corp');
    expect(home.html).not.toContain('You do not have access');
    expect((await person.browser.get(`${portal.url}/org/${admin.organization.id}/licensing`)).status).toBe(
      200,
    );

    const mail = await idp.smtp.waitForMail(
      (m) => m.to === person.person.email && m.subject.includes('approved'),
    );
    expect(mail.subject).toBe('Your access to CustomerSource for Approving Corp was approved');
    expect(mail.text).toContain('Hello Rita,');
    expect(
      idp.smtp.messages.some((m) => m.to === person.person.email && m.subject.includes('invitation')),
    ).toBe(false);
    const events = await em().find(
      AuditEvent,
      { organizationId: admin.organization.id, action: { $in: ['request.approved', 'role.moved'] } },
      { orderBy: { at: 'asc' } },
    );
    expect(events.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['role.moved', admin.person.email, 'Rita Quest'],
      ['request.approved', admin.person.email, 'Rita Quest'],
    ]);
    expect((await requestsBy(person.person.email))[0]).toMatchObject({
      status: 'approved',
      decidedBy: admin.person.email,
    });
  });

  it('Decline with a reason: e-mailed, audited, and the person sees it with the reason', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Declining Corp');
    await requestByNumber(person, accountNumber);
    const [request] = await requestsBy(person.person.email);
    const { page } = await requestRow(admin, person.person.email);
    const declined = await admin.browser.submit(
      page,
      { reason: 'We only add staff of the Oslo office.' },
      `/access-requests/${request!.id}/decline`,
    );
    expect(declined.url).toBe(`${orgPage(admin)}?done=declined#access-requests`);

    const mail = await idp.smtp.waitForMail(
      (m) => m.to === person.person.email && m.subject.includes('declined'),
    );
    expect(mail.subject).toBe('Your access request to Declining Corp was declined');
    expect(mail.text).toContain("The administrator's reason: We only add staff of the Oslo office.");
    const j12 = await person.browser.get(`${portal.url}/`);
    expect(textsOf(j12.html, '#your-requests tbody tr')).toEqual([
      expect.stringMatching(/^Declining Corp \S+ declined: We only add staff of the Oslo office\.$/),
    ]);
    expect(await em().count(Professional, { organization: admin.organization.id })).toBe(1);
    const [event] = await em().find(AuditEvent, {
      organizationId: admin.organization.id,
      action: 'request.declined',
    });
    expect(event).toMatchObject({ actor: admin.person.email, target: 'Rita Quest' });
    expect(event!.detail).toMatchObject({ reason: 'We only add staff of the Oslo office.' });
  });

  it('suggested by a verified domain (suggest): offered by name and requested with one click; other organizations, and ids not offered, are not', async () => {
    const domainName = `suggest-${Date.now().toString(36)}.example`;
    const suggested = await organizationAdmin(idp, portal, 'Suggested Corp');
    const quiet = await organizationAdmin(idp, portal, 'Quiet Corp');
    const other = await organizationAdmin(idp, portal, 'Unrelated Corp');
    const tx = em();
    for (const [org, enrolment] of [
      [suggested, 'suggest'],
      [quiet, 'requests_only'],
    ] as const) {
      tx.create(VerifiedDomain, {
        id: randomUUID(),
        organization: org.organization.id,
        domain: org === suggested ? domainName : `quiet-${domainName}`,
        challenge: randomUUID(),
        enrolment,
        verifiedAt: new Date(),
      });
    }
    await tx.flush();
    const person = await nonMemberSignsUp(idp, portal, newPerson({ email: `sam@${domainName}` }));
    expect(textsOf(person.home.html, '#suggested-organizations li')).toEqual([
      'Suggested Corp Request access to Suggested Corp',
    ]);

    // Ids never offered to this person are not found, whatever they name; nothing changes.
    const token = csrfTokenOf(person.home.html, '/access-requests/suggested');
    const before = await portalState(portal);
    for (const organizationId of [other.organization.id, quiet.organization.id, randomUUID(), 'not-an-id']) {
      const refused = await person.browser.post(`${portal.url}/access-requests/suggested`, {
        _csrf: token,
        organizationId,
      });
      expect(refused.status, organizationId).toBe(404);
    }
    // Nor does the account number form take an id.
    const byNumber = await person.browser.post(`${portal.url}/access-requests/by-number`, {
      _csrf: token,
      organizationId: other.organization.id,
    });
    expect(byNumber.status).toBe(400);
    expect(await portalState(portal)).toBe(before);

    const requested = await person.browser.submit(person.home, {}, '/access-requests/suggested');
    expect(requested.url).toBe(`${portal.url}/?done=requested`);
    expect(textsOf(requested.html, '#suggested-organizations li')).toEqual([
      'Suggested Corp requested, waiting for an administrator',
    ]);
    const [request] = await requestsBy(`sam@${domainName}`);
    expect(request!.organization.id).toBe(suggested.organization.id);
    expect(
      (
        await em().findOneOrFail(AuditEvent, {
          organizationId: suggested.organization.id,
          action: 'request.made',
        })
      ).detail,
    ).toEqual({ by: 'suggestion' });
  });

  it('an unknown account number gets the same answer whatever exists, and changes nothing', async () => {
    const { person, accountNumber } = await organizationWithRequester('Hidden Corp');
    const before = await portalState(portal);
    const answers = new Set<string>();
    const unknown = accountNumber === '99999999' ? '99999998' : '99999999';
    for (const typed of [unknown, '12345', 'abcdefgh', `${accountNumber}0`, '0'.repeat(8), '1'.repeat(40)]) {
      const refused = await requestByNumber(person, typed);
      expect(refused.status, typed).toBe(404);
      answers.add(textOf(refused.html, '[role=alert]')!);
      expect(refused.html).toContain('data-code="ACCOUNT_NUMBER_UNKNOWN"');
    }
    expect([...answers]).toEqual([
      'No organization has that account number. Check the number with an administrator of the organization: they see it on their organization page.',
    ]);
    expect(await portalState(portal)).toBe(before);
  });

  it('one pending request per person and organization, kept by the database too', async () => {
    const { person, accountNumber, admin } = await organizationWithRequester('Once Corp');
    await requestByNumber(person, accountNumber);
    const before = await portalState(portal);
    const again = await requestByNumber(person, accountNumber, 'please?');
    expect(again.status).toBe(409);
    expect(again.html).toContain('data-code="REQUEST_PENDING"');
    expect(textOf(again.html, '[role=alert]')).toContain('You have already asked Once Corp for access.');
    expect(await portalState(portal)).toBe(before);

    const [pending] = await requestsBy(person.person.email);
    const tx = em();
    tx.create(AccessRequest, {
      id: randomUUID(),
      organization: admin.organization.id,
      requesterIssuer: pending!.requesterIssuer,
      requesterSubject: pending!.requesterSubject,
      requesterEmail: pending!.requesterEmail,
      requesterName: pending!.requesterName,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + DAY_MS),
    });
    await expect(tx.flush()).rejects.toThrow(/access_request_pending_key/);
  });

  it('five requests per person in 24 hours, counted in PostgreSQL: eight racing requests make five', async () => {
    const person = await nonMemberSignsUp(idp, portal);
    const numbers = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => (await bareOrganization(`Busy Corp ${i}`)).accountNumber),
    );
    const token = csrfTokenOf(person.home.html, '/access-requests/by-number');
    const answers = await Promise.all(
      numbers.map((accountNumber) =>
        person.browser.post(`${portal.url}/access-requests/by-number`, { _csrf: token, accountNumber }),
      ),
    );
    expect(answers.filter((a) => a.url === `${portal.url}/?done=requested`)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(3);
    expect(await requestsBy(person.person.email)).toHaveLength(5);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.html).toContain('data-code="REQUEST_LIMIT"');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
  });

  it('a professional of the organization is told so; one invited under the same address is told to use the invitation', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Member Corp');
    const before = await portalState(portal);
    const own = await admin.browser.post(`${portal.url}/access-requests/by-number`, {
      _csrf: csrfTokenOf(admin.home.html),
      accountNumber,
    });
    expect(own.status).toBe(409);
    expect(textOf(own.html, '[role=alert]')).toBe(
      'You are already a professional of Member Corp: there is nothing to request.',
    );
    expect(await portalState(portal)).toBe(before);

    await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Rita', familyName: 'Quest', email: person.person.email.toUpperCase() },
    });
    const invitedState = await portalState(portal);
    const invited = await requestByNumber(person, accountNumber);
    expect(invited.status).toBe(409);
    expect(invited.html).toContain('data-code="REQUEST_USE_INVITATION"');
    expect(textOf(invited.html, '[role=alert]')).toContain(
      `Member Corp has already invited ${person.person.email}.`,
    );
    expect(await portalState(portal)).toBe(invitedState);
  });

  it('approving a requester who meanwhile became a professional, or whose address another professional holds, is refused and changes nothing', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Meanwhile Corp');
    await requestByNumber(person, accountNumber);
    const [request] = await requestsBy(person.person.email);
    const approve = async () => {
      const page = await admin.browser.get(orgPage(admin));
      return admin.browser.submit(page, {}, `/access-requests/${request!.id}/approve`);
    };

    // Invited meanwhile under the same address, not claimed yet.
    const { professional } = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Rita', familyName: 'Quest', email: person.person.email },
      sendInvitation: false,
    });
    let before = await portalState(portal);
    const taken = await approve();
    expect(taken.status).toBe(409);
    expect(textOf(taken.html, '[role=alert]')).toContain(
      `A professional with the e-mail address ${person.person.email} already belongs to this account.`,
    );
    expect(await portalState(portal)).toBe(before);

    // And then bound to the requester's account, as a claimed invitation leaves it.
    const tx = em();
    const bound = await tx.findOneOrFail(Professional, { id: professional.id });
    Object.assign(bound, {
      status: 'active',
      idpIssuer: request!.requesterIssuer,
      idpSubject: request!.requesterSubject,
    });
    await tx.flush();
    before = await portalState(portal);
    const member = await approve();
    expect(member.status).toBe(409);
    expect(textOf(member.html, '[role=alert]')).toBe(
      'Rita Quest is already a professional of Meanwhile Corp (an invitation was accepted meanwhile). Decline the request to close it.',
    );
    expect(await portalState(portal)).toBe(before);
  });

  it('two administrators deciding at once: the first decision wins, the second is told who decided and when', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Racing Corp');
    const partner = await organizationAdmin(idp, portal, 'Racing Partner', 'partner');
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: admin.organization.id,
    });
    await requestByNumber(person, accountNumber);
    const [request] = await requestsBy(person.person.email);
    const [adminPage, partnerPage] = await Promise.all([
      admin.browser.get(orgPage(admin)),
      partner.browser.get(orgPage(admin)),
    ]);
    const [approve, decline] = await Promise.all([
      admin.browser.submit(adminPage, { administrator: 'yes' }, `/access-requests/${request!.id}/approve`),
      partner.browser.submit(partnerPage, { reason: 'no' }, `/access-requests/${request!.id}/decline`),
    ]);
    const [won, lost] = approve.url.includes('?done=') ? [approve, decline] : [decline, approve];
    expect(won.url).toMatch(/\?done=(approved|declined)#access-requests$/);
    expect(lost.status).toBe(409);
    const decided = (await requestsBy(person.person.email))[0]!;
    const winner = won === approve ? admin.person.email : partner.person.email;
    expect(decided.decidedBy).toBe(winner);
    const at = decided.decidedAt!.toISOString().slice(0, 16).replace('T', ' ');
    expect(textOf(lost.html, '[role=alert]')).toBe(`Already ${decided.status} by ${winner} at ${at} UTC.`);
    expect(await em().count(Professional, { organization: admin.organization.id })).toBe(
      decided.status === 'approved' ? 2 : 1,
    );
    const decisions = await em().count(AuditEvent, {
      organizationId: admin.organization.id,
      action: { $in: ['request.approved', 'request.declined'] },
    });
    expect(decisions).toBe(1);
  });

  it('another organization’s administrator can neither see nor decide a request: 404, nothing changed', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Victim Corp');
    const intruder = await organizationAdmin(idp, portal, 'Intruder Corp');
    await requestByNumber(person, accountNumber);
    const [request] = await requestsBy(person.person.email);
    const intruderPage = await intruder.browser.get(orgPage(intruder));
    expect(intruderPage.html).not.toContain(person.person.email);
    expect((await intruder.browser.get(`${portal.url}/accounts`)).html).not.toContain(
      'pending access request',
    );
    const token = csrfTokenOf(intruderPage.html);
    const before = await portalState(portal);
    for (const org of [admin.organization.id, intruder.organization.id]) {
      for (const action of ['approve', 'decline']) {
        const refused = await intruder.browser.post(
          `${portal.url}/accounts/${org}/access-requests/${request!.id}/${action}`,
          { _csrf: token, administrator: 'yes', reason: 'mine now' },
        );
        expect(refused.status, `${org} ${action}`).toBe(404);
      }
    }
    expect(await portalState(portal)).toBe(before);
    expect((await requestRow(admin, person.person.email)).row).toBeDefined();
  });

  it('bad input gets a clear error and changes nothing: long or control-character messages and reasons, bad ids, no CSRF token', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Strict Input Corp');
    const before = await portalState(portal);
    for (const message of ['x'.repeat(501), 'line\r\nBcc: spy@evil.example', 'nul\u0000']) {
      const refused = await requestByNumber(person, accountNumber, message);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('id="message-error"');
      expect(textOf(refused.html, '#message-error')).toMatch(/Use at most 500 characters|control character/);
    }
    const empty = await requestByNumber(person, '');
    expect(empty.status).toBe(400);
    expect(textOf(empty.html, '#accountNumber-error')).toBe('Enter the 8-digit account number.');
    const noToken = await person.browser.post(`${portal.url}/access-requests/by-number`, { accountNumber });
    expect(noToken.status).toBe(403);
    expect(await portalState(portal)).toBe(before);

    await requestByNumber(person, accountNumber);
    const [request] = await requestsBy(person.person.email);
    const pending = await portalState(portal);
    const page = await admin.browser.get(orgPage(admin));
    const token = csrfTokenOf(page.html);
    const decline = `${orgPage(admin)}/access-requests/${request!.id}/decline`;
    for (const reason of ['r'.repeat(501), 'tab\there']) {
      const refused = await admin.browser.post(decline, { _csrf: token, reason });
      expect(refused.status).toBe(400);
      expect(refused.html).toMatch(/Reason: (Use at most 500 characters\.|Remove the line break)/);
    }
    for (const id of ['not-an-id', randomUUID()]) {
      const refused = await admin.browser.post(`${orgPage(admin)}/access-requests/${id}/approve`, {
        _csrf: token,
      });
      expect(refused.status).toBe(404);
    }
    expect(
      (await admin.browser.post(`${orgPage(admin)}/access-requests/${request!.id}/approve`, {})).status,
    ).toBe(403);
    expect(await portalState(portal)).toBe(pending);
  });

  it('an address the IdP does not vouch for cannot ask', async () => {
    const organization = await bareOrganization('Careful Corp');
    const identity = {
      issuer: idp.issuer,
      subject: randomUUID(),
      email: 'someone@unverified.example',
      emailVerified: false,
      name: 'Some One',
    };
    await expect(
      requestAccess(portal.domain, identity, { accountNumber: organization.accountNumber }),
    ).rejects.toMatchObject({ code: 'REQUEST_EMAIL_NOT_VERIFIED' });
    expect(await requestsBy(identity.email)).toEqual([]);
  });

  it('after 30 days unanswered a request expires (periodic work, safe with several instances): the person is told and sees it; deciding it then is refused', async () => {
    const { admin, person, accountNumber } = await organizationWithRequester('Slow Corp');
    await requestByNumber(person, accountNumber);
    const [request] = await requestsBy(person.person.email);

    // Not due a minute before its time.
    expect(await expireAccessRequests(portal.domain, new Date(request!.expiresAt.getTime() - 60_000))).toBe(
      0,
    );
    expect((await requestsBy(person.person.email))[0]!.status).toBe('pending');

    const task = portalPeriodicWork(portal.running.portal).find((t) => t.name === 'access-requests.expire')!;
    const due = new Date(request!.expiresAt.getTime() + 1000);
    // Every request of this file still pending is due by then: three passes at once share them out.
    const dueNow = await em().count(AccessRequest, { status: 'pending', expiresAt: { $lte: due } });
    const passes = await Promise.all([
      task.run(due),
      task.run(due),
      expireAccessRequests(portal.domain, due),
    ]);
    expect(passes.reduce((a, b) => a + b, 0)).toBe(dueNow);
    expect(await expireAccessRequests(portal.domain, due)).toBe(0);
    expect((await requestsBy(person.person.email))[0]).toMatchObject({
      status: 'expired',
      decidedBy: 'system',
    });

    const mail = await idp.smtp.waitForMail(
      (m) => m.to === person.person.email && m.subject.includes('expired'),
    );
    expect(mail.subject).toBe('Your access request to Slow Corp expired');
    const expiredMails = await em()
      .getConnection()
      .execute(
        `select count(*)::int as n from portal.outbox_mail where "to" = ? and subject like '%expired'`,
        [person.person.email],
      );
    expect(expiredMails).toEqual([{ n: 1 }]);
    const events = await em().find(AuditEvent, {
      organizationId: admin.organization.id,
      action: 'request.expired',
    });
    expect(events.map((e) => [e.actor, e.target])).toEqual([['system', 'Rita Quest']]);

    const j12 = await person.browser.get(`${portal.url}/`);
    expect(textsOf(j12.html, '#your-requests tbody tr')[0]).toMatch(
      /^Slow Corp \S+ expired: nobody answered/,
    );
    const page = await admin.browser.get(orgPage(admin));
    expect(textOf(page.html, '#access-requests')).toContain('No one is waiting for access.');
    const late = await admin.browser.post(`${orgPage(admin)}/access-requests/${request!.id}/approve`, {
      _csrf: csrfTokenOf(page.html),
    });
    expect(late.status).toBe(410);
    expect(textOf(late.html, '[role=alert]')).toMatch(/^This request expired at .* UTC, unanswered\./);

    // Asking again is a new request.
    const again = await requestByNumber(person, accountNumber);
    expect(again.url).toBe(`${portal.url}/?done=requested`);
  });
});
