import { beforeAll, expect } from 'vitest';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import type { BrowserlessClient } from './browserless-client.ts';
import { csrfTokenOf } from './html-page.ts';
import type { TestIdp } from './idp-instance.ts';
import { newPerson } from './oidc-client.ts';
import type { TestPortal } from './portal-instance.ts';
import {
  acceptBySigningUp,
  invitationLink,
  type OrganizationAdmin,
  organizationAdmin,
  type PortalPerson,
  usernameOf,
} from './portal-people.ts';
import { sharedPortal } from './shared-portal.ts';

/** An administration route of the portal, as the method and path a browser would use. */
export type AdminRoute = [method: 'GET' | 'POST', path: string];

/**
 * The portal the authorization attacks are tried on (OWASP A01): Contoso with its administrator
 * and a professional (Vic Tim, not invited) to target; Fabrikam, whose administrator attacks
 * Contoso's ids; Encore, the partner of Northwind but not of Contoso.
 */
export interface ContosoUnderAttack {
  readonly idp: TestIdp;
  readonly portal: TestPortal;
  /** Contoso's administrator, signed in. */
  readonly admin: OrganizationAdmin;
  /** Fabrikam's administrator, signed in. */
  readonly stranger: OrganizationAdmin;
  /** Encore's administrator (a partner of Northwind only), signed in. */
  readonly partner: OrganizationAdmin;
  /** The id of Vic Tim, the professional of Contoso every attack targets. */
  readonly victimId: string;
  /** A person who joins Contoso as a plain member (no role), signed in. */
  joinContoso(givenName: string): Promise<PortalPerson & { id: string }>;
  /** The fields of a professional who would hold every role. */
  profile(email?: string): Record<string, string>;
  /** Every administration route of `orgId`, against `professionalId`, as GET or POST. */
  adminRoutes(orgId: string, professionalId: string): AdminRoute[];
  /** Try every route as `browser` (with its own valid CSRF token); the statuses by route. */
  tryEveryRoute(browser: BrowserlessClient, routes: AdminRoute[]): Promise<Record<string, number>>;
  /** Assert that every route answered `status`. */
  allEqual(statuses: Record<string, number>, status: number): void;
}

/** Call inside a `describe`: registers the hooks that start the portal and set Contoso and its attackers up. */
export function contosoUnderAttack(): ContosoUnderAttack {
  const shared = sharedPortal();
  let admin: OrganizationAdmin;
  let stranger: OrganizationAdmin;
  let partner: OrganizationAdmin;
  let victimId: string;

  beforeAll(async () => {
    const { idp, portal } = shared;
    admin = await organizationAdmin(idp, portal, 'Contoso');
    stranger = await organizationAdmin(idp, portal, 'Fabrikam');
    partner = await organizationAdmin(idp, portal, 'Encore', 'partner');
    const theirCustomer = await organizationAdmin(idp, portal, 'Northwind');
    await linkPartner(portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: theirCustomer.organization.id,
    });
    const victim = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Vic', familyName: 'Tim', email: newPerson().email },
      sendInvitation: false,
    });
    victimId = victim.professional.id;
  });

  const profile = (email = newPerson().email) => ({
    givenName: 'Mallory',
    familyName: 'Attacker',
    email,
    administrator: 'yes',
    billingContact: 'yes',
    shippingContact: 'yes',
  });

  return {
    get idp() {
      return shared.idp;
    },
    get portal() {
      return shared.portal;
    },
    get admin() {
      return admin;
    },
    get stranger() {
      return stranger;
    },
    get partner() {
      return partner;
    },
    get victimId() {
      return victimId;
    },
    profile,
    async joinContoso(givenName) {
      const { idp, portal } = shared;
      const person = newPerson({ givenName, familyName: 'Member' });
      const before = idp.smtp.messages.length;
      const { professional } = await addProfessional(portal.domain, {
        actor: SYSTEM_ACTOR,
        organizationId: admin.organization.id,
        profile: { givenName, familyName: 'Member', email: person.email },
      });
      const joined = await acceptBySigningUp(
        idp,
        await invitationLink(idp, portal, person.email, before),
        person,
      );
      expect(usernameOf(joined.home)).toBe(`${givenName} Member`);
      return { ...joined, id: professional.id };
    },
    adminRoutes(orgId, professionalId) {
      const base = `/accounts/${orgId}/professionals`;
      return [
        ['GET', `/accounts/${orgId}`],
        ['GET', `${base}/new`],
        ['POST', base],
        ['GET', `${base}/${professionalId}`],
        ['GET', `${base}/${professionalId}/edit`],
        ['POST', `${base}/${professionalId}`],
        ['POST', `${base}/${professionalId}/invite`],
        ['GET', `${base}/${professionalId}/delete`],
        ['POST', `${base}/${professionalId}/delete`],
      ];
    },
    async tryEveryRoute(browser, routes) {
      const { portal } = shared;
      const token = csrfTokenOf((await browser.get(`${portal.url}/`)).html);
      const statuses: Record<string, number> = {};
      for (const [method, path] of routes) {
        const page =
          method === 'GET'
            ? await browser.get(`${portal.url}${path}`)
            : await browser.post(`${portal.url}${path}`, { _csrf: token, ...profile() });
        statuses[`${method} ${path}`] = page.status;
        expect(page.html).not.toContain('Vic Tim');
      }
      return statuses;
    },
    allEqual(statuses, status) {
      expect(statuses).toEqual(Object.fromEntries(Object.keys(statuses).map((k) => [k, status])));
    },
  };
}
