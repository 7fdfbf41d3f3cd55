import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { deleteProfessional, updateProfessional } from '../../portal/professionals/professionals.ts';
import { NO_ROLES } from '../../portal/professionals/profile-input.ts';
import { contosoUnderAttack } from '../support/contoso-under-attack.ts';
import { csrfTokenOf } from '../support/html-page.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

/**
 * Broken access control at the portal (OWASP A01), from inside the organization: a member without
 * the Administrator role, and the old session of a removed or demoted administrator, reach no
 * administration route (404, or 403 once removed), and nothing changes.
 */
describe('plain members and removed or demoted administrators reach no administration', () => {
  const contoso = contosoUnderAttack();
  const { adminRoutes, tryEveryRoute, allEqual, joinContoso, profile } = contoso;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let victimId: string;
  beforeAll(() => {
    ({ portal, admin, victimId } = contoso);
  });

  it('a member who is not an administrator gets 404 on every administration route of their own organization', async () => {
    const member = await joinContoso('Plain');
    const before = await portalState(portal);
    allEqual(await tryEveryRoute(member.browser, adminRoutes(admin.organization.id, victimId)), 404);
    allEqual(await tryEveryRoute(member.browser, adminRoutes(admin.organization.id, member.id)), 404);
    expect((await member.browser.get(`${portal.url}/accounts`)).html).toContain(
      'You do not administer any account',
    );
    expect((await member.browser.get(`${portal.url}/org/${admin.organization.id}/licensing`)).status).toBe(
      200,
    );
    expect(await portalState(portal)).toBe(before);
  });

  it('a removed administrator’s old session opens nothing; a demoted one loses the administration at once', async () => {
    const removed = await joinContoso('Removed');
    const demoted = await joinContoso('Demoted');
    for (const p of [removed, demoted]) {
      await updateProfessional(portal.domain, {
        actor: SYSTEM_ACTOR,
        organizationId: admin.organization.id,
        professionalId: p.id,
        profile: { givenName: p.person.givenName, familyName: 'Member', email: p.person.email },
        roles: { ...NO_ROLES, administrator: true },
      });
      expect((await p.browser.get(`${portal.url}/accounts/${admin.organization.id}`)).status).toBe(200);
    }
    const removedToken = csrfTokenOf((await removed.browser.get(`${portal.url}/`)).html);
    await deleteProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      professionalId: removed.id,
    });
    await updateProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      professionalId: demoted.id,
      profile: { givenName: 'Demoted', familyName: 'Member', email: demoted.person.email },
      roles: NO_ROLES,
    });
    const before = await portalState(portal);
    const routes = adminRoutes(admin.organization.id, victimId);
    for (const [method, path] of routes) {
      const page =
        method === 'GET'
          ? await removed.browser.get(`${portal.url}${path}`)
          : await removed.browser.post(`${portal.url}${path}`, { _csrf: removedToken, ...profile() });
      expect(page.status, `${method} ${path}`).toBe(403);
      expect(page.html).toContain('You do not have access');
    }
    expect((await removed.browser.get(`${portal.url}/org/${admin.organization.id}/licensing`)).status).toBe(
      403,
    );
    allEqual(await tryEveryRoute(demoted.browser, routes), 404);
    expect(await portalState(portal)).toBe(before);
  });
});
