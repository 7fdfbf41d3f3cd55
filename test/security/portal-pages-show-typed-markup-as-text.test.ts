import { beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import type { Page } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { inputCorpUnderAttack } from '../support/input-corp-under-attack.ts';
import { newPerson } from '../support/oidc-client.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import { acceptBySigningUp, invitationLink, type OrganizationAdmin } from '../support/portal-people.ts';

const XSS = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;';

/**
 * Markup typed into any field of the portal, or into an organization's name, is rendered back
 * escaped on every page that shows it and in the invitation mail (OWASP ASVS 5.0 V1, V3).
 */
describe('portal pages show markup typed anywhere as text', () => {
  const world = inputCorpUnderAttack();
  const { adminCsrfToken } = world;
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let formsUrl: string;
  beforeAll(() => {
    ({ idp, portal, admin, formsUrl } = world);
  });

  it('markup in every field is rendered back escaped on every page that shows it', async () => {
    const csrf = await adminCsrfToken();
    const bad = await admin.browser.post(formsUrl, {
      _csrf: csrf,
      givenName: XSS,
      familyName: XSS,
      email: `${XSS}@example.com`,
      phone: XSS,
      jobTitle: XSS,
    });
    expect(bad.status).toBe(400);
    expectEscaped(bad, 4);
    const email = newPerson().email;
    const added = await admin.browser.post(formsUrl, {
      _csrf: csrf,
      givenName: XSS,
      familyName: XSS,
      email,
      phone: XSS.slice(0, 40),
      jobTitle: XSS,
    });
    expect(added.status).toBe(200);
    expectEscaped(added, 3);
    const id = /\/professionals\/([0-9a-f-]{36})\/edit$/.exec(linkTo(added, 'Edit'))![1]!;
    for (const path of [`/${id}/edit`, `/${id}/delete`])
      expectEscaped(await admin.browser.get(`${formsUrl}${path}`), 2);
    expectEscaped(await admin.browser.get(`${portal.url}/accounts/${admin.organization.id}`), 2);
  });

  it('markup in an organization name is escaped on every page and in the invitation mail', async () => {
    const person = newPerson();
    await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: XSS,
      admin: { givenName: 'Org', familyName: 'Admin', email: person.email },
    });
    const mail = await idp.smtp.waitForMail((m) => m.to === person.email);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(ESCAPED);
    const joined = await acceptBySigningUp(idp, await invitationLink(idp, portal, person.email), person);
    expectEscaped(joined.home, 1);
    const orgId = /\/org\/([0-9a-f-]{36})\/licensing$/.exec(linkTo(joined.home, 'Licensing'))![1]!;
    for (const path of [
      '/accounts',
      `/accounts/${orgId}`,
      `/org/${orgId}/licensing`,
      `/org/${orgId}/support`,
    ]) {
      expectEscaped(await joined.browser.get(`${portal.url}${path}`), 1);
    }
  });
});

function expectEscaped(page: Page, atLeast: number) {
  expect(page.html).not.toContain('<script>alert');
  expect(page.html).not.toContain('<img src=x');
  expect(page.html.split(ESCAPED.slice(0, 30)).length - 1, page.url).toBeGreaterThanOrEqual(atLeast);
}
