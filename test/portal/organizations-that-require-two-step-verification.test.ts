import { beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { AuditEvent } from '../../portal/audit/audit-event.entity.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Organization } from '../../portal/organizations/organization.entity.ts';
import type { BrowserlessClient, Page } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import { type OrganizationAdmin, organizationAdmin, usernameOf } from '../support/portal-people.ts';
import { setUpAuthenticatorApp } from '../support/second-factors.ts';
import { sharedPortal } from '../support/shared-portal.ts';

describe('J15: an organization that requires two-step verification', () => {
  const world = sharedPortal();
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(() => {
    ({ idp, portal } = world);
  });

  const orgPage = (admin: OrganizationAdmin) => `${portal.url}/accounts/${admin.organization.id}`;
  const setPolicy = async (browser: BrowserlessClient, page: Page, on: boolean) =>
    browser.submit(page, on ? { requiresTwoStep: 'yes' } : {}, '/two-step');
  const policyOf = async (id: string) =>
    (await portal.domain.orm.em.fork().findOneOrFail(Organization, { id })).requiresTwoStep;

  /** The administrator also becomes a member of a second organization, with no such policy. */
  async function alsoMemberOf(admin: OrganizationAdmin, name: string): Promise<string> {
    const { organization, invitationLink: link } = await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name,
      admin: { givenName: 'Admin', familyName: name, email: admin.person.email },
    });
    // Signed in at the IdP already: the link comes straight back and is claimed.
    const home = await admin.browser.get(link!);
    expect(home.url).toBe(`${portal.url}/`);
    return organization.id;
  }

  it('turned on by its administrator (audited), a password-only sign-in sees why; the person’s other organization stays open', async () => {
    const admin = await organizationAdmin(idp, portal, 'Strict Corp');
    const otherId = await alsoMemberOf(admin, 'Relaxed Corp');
    const page = await admin.browser.get(orgPage(admin));
    expect(page.html).toContain('Require two-step verification');

    const refused = await setPolicy(admin.browser, page, true);
    expect(await policyOf(admin.organization.id)).toBe(true);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('<h1>Two-step verification required</h1>');
    expect(refused.html).toContain('Strict Corp requires two-step verification');
    expect(linkTo(refused, 'Set up two-step verification')).toBe(`${idp.issuer}/account#security`);
    const again = new URL(linkTo(refused, 'Sign in again with two-step verification'));
    expect(again.searchParams.get('acr')).toBe('mfa');
    for (const path of ['/licensing', '/support'])
      expect((await admin.browser.get(`${portal.url}/org/${admin.organization.id}${path}`)).status).toBe(403);
    expect(
      (await admin.browser.get(`${portal.url}/accounts/${admin.organization.id}/professionals/new`)).status,
    ).toBe(403);
    // The other organization asks nothing more of the same sign-in.
    expect((await admin.browser.get(`${portal.url}/org/${otherId}/licensing`)).status).toBe(200);
    expect((await admin.browser.get(`${portal.url}/accounts/${otherId}`)).status).toBe(200);

    const events = await portal.domain.orm.em
      .fork()
      .find(AuditEvent, { organizationId: admin.organization.id, action: 'policy.two-step.required' });
    expect(events.map((e) => e.actor)).toEqual([admin.person.email]);
  });

  it('without a second step the IdP says how to set one up; with an authenticator app the step-up opens the pages', async () => {
    const admin = await organizationAdmin(idp, portal, 'Careful Corp');
    await setPolicy(admin.browser, await admin.browser.get(orgPage(admin)), true);
    const refused = await admin.browser.get(`${portal.url}/org/${admin.organization.id}/licensing`);
    const stepUp = linkTo(refused, 'Sign in again with two-step verification');

    const noFactor = await admin.browser.get(stepUp);
    expect(noFactor.url.startsWith(`${idp.issuer}/interaction/`), noFactor.url).toBe(true);
    expect(noFactor.html).toContain('<h1>Two-step verification needed</h1>');

    const { app } = await setUpAuthenticatorApp(idp, admin.browser);
    const secondStep = await admin.browser.get(stepUp);
    expect(secondStep.html).toContain('Enter the code from your authenticator app');
    // The second step only: no new password (the IdP session's password sign-in stands).
    expect(secondStep.html).not.toContain('name="password"');
    // The set-up used this period's code, and a code works once: the next period's (RFC 6238 §5.2 drift).
    const back = await admin.browser.submit(secondStep, { code: app.code(1) });
    expect(back.url).toBe(`${portal.url}/org/${admin.organization.id}/licensing`);
    expect(back.status).toBe(200);
    expect(usernameOf(back)).toBe('Admin Careful Corp');
    expect((await admin.browser.get(orgPage(admin))).status).toBe(200);
  });

  it('only its administrators change the policy: anyone else is told it does not exist, and nothing changes', async () => {
    const target = await organizationAdmin(idp, portal, 'Target Corp');
    const other = await organizationAdmin(idp, portal, 'Other Corp');
    const form = await other.browser.get(orgPage(other));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.html)![1]!;
    const attempt = await other.browser.post(`${orgPage(target)}/two-step`, {
      _csrf: csrf,
      requiresTwoStep: 'yes',
    });
    expect(attempt.status).toBe(404);
    expect(await policyOf(target.organization.id)).toBe(false);
    // With the policy on, the outsider still learns nothing: not found, not "requires two-step".
    await setPolicy(target.browser, await target.browser.get(orgPage(target)), true);
    for (const path of ['', '/professionals/new']) {
      const page = await other.browser.get(`${orgPage(target)}${path}`);
      expect(page.status).toBe(404);
      expect(page.html).not.toContain('Target Corp');
    }
    const member = await other.browser.get(`${portal.url}/org/${target.organization.id}/licensing`);
    expect(member.status).toBe(404);
    expect(member.html).not.toContain('Target Corp');
  });

  it('a partner’s administrator managing the customer is held to the customer’s policy', async () => {
    const customer = await organizationAdmin(idp, portal, 'Customer Corp');
    const partner = await organizationAdmin(idp, portal, 'Partner Corp', 'partner');
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: customer.organization.id,
    });
    expect((await partner.browser.get(orgPage(customer))).status).toBe(200);
    await setPolicy(customer.browser, await customer.browser.get(orgPage(customer)), true);
    const refused = await partner.browser.get(orgPage(customer));
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('Customer Corp requires two-step verification');
    expect((await partner.browser.get(orgPage(partner))).status).toBe(200);
  });

  it('turned off again, a password-only sign-in opens the pages at once', async () => {
    const admin = await organizationAdmin(idp, portal, 'Undo Corp');
    await setPolicy(admin.browser, await admin.browser.get(orgPage(admin)), true);
    expect((await admin.browser.get(`${portal.url}/org/${admin.organization.id}/support`)).status).toBe(403);
    await portal.domain.orm.em
      .fork()
      .nativeUpdate(Organization, { id: admin.organization.id }, { requiresTwoStep: false });
    expect((await admin.browser.get(`${portal.url}/org/${admin.organization.id}/support`)).status).toBe(200);
  });
});
