import { beforeAll, describe, expect, it } from 'vitest';
import { contosoUnderAttack } from '../support/contoso-under-attack.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

/**
 * Broken access control at the portal (OWASP A01), from outside the organization: every
 * administration route of Contoso tried by another organization's administrator (IDOR) and by a
 * partner that is not Contoso's. Each is a 404, and nothing changes.
 */
describe('another organization, or a partner not of this customer, reaches nothing of it', () => {
  const contoso = contosoUnderAttack();
  const { adminRoutes, tryEveryRoute, allEqual } = contoso;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let stranger: OrganizationAdmin;
  let partner: OrganizationAdmin;
  let victimId: string;
  beforeAll(() => {
    ({ portal, admin, stranger, partner, victimId } = contoso);
  });

  it('IDOR: an administrator of another organization gets 404 on every route of this one, and changes nothing', async () => {
    const before = await portalState(portal);
    allEqual(await tryEveryRoute(stranger.browser, adminRoutes(admin.organization.id, victimId)), 404);
    // Their own organization in the path, this organization's professional as the target.
    allEqual(
      await tryEveryRoute(stranger.browser, adminRoutes(stranger.organization.id, victimId).slice(3)),
      404,
    );
    for (const path of [`/org/${admin.organization.id}/licensing`, `/org/${admin.organization.id}/support`]) {
      expect((await stranger.browser.get(`${portal.url}${path}`)).status, path).toBe(404);
    }
    expect(await portalState(portal)).toBe(before);
    // The same routes work for Contoso's own administrator: the 404s above are refusals.
    expect(
      (await admin.browser.get(`${portal.url}/accounts/${admin.organization.id}/professionals/${victimId}`))
        .status,
    ).toBe(200);
  });

  it('a partner that is not this customer’s partner gets 404 everywhere; /accounts does not list the customer', async () => {
    const before = await portalState(portal);
    allEqual(await tryEveryRoute(partner.browser, adminRoutes(admin.organization.id, victimId)), 404);
    const accounts = await partner.browser.get(`${portal.url}/accounts`);
    expect(accounts.html).toContain('Northwind');
    expect(accounts.html).not.toContain('Contoso');
    expect(await portalState(portal)).toBe(before);
  });
});
