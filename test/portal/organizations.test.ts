import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { administeredOrganizations } from '../../portal/accounts/administered-organizations.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Organization } from '../../portal/organizations/organization.entity.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { activeMemberships } from '../../portal/sessions/session-store.ts';
import {
  identityOf,
  invariantViolations,
  openTestPortalDomain,
  organizationWithAdmin,
  type TestPortalDomain,
} from '../support/portal-domain.ts';

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e) => (isAppError(e) ? e.code : `unexpected: ${e}`),
  );

describe('organizations', () => {
  let domain: TestPortalDomain;
  beforeAll(async () => {
    domain = await openTestPortalDomain();
  });
  afterAll(() => domain.orm.close(true));

  it('a new organization has one professional holding all three roles, invited by e-mail', async () => {
    const { organization, admin, invitationLink } = await createOrganization(domain, {
      actor: SYSTEM_ACTOR,
      name: 'Contoso',
      admin: { givenName: 'Grace', familyName: 'Hopper', email: 'grace@contoso.test' },
    });
    expect(organization.billingContactId).toBe(admin.id);
    expect(organization.shippingContactId).toBe(admin.id);
    expect(admin.isAdministrator).toBe(true);
    expect(admin.status).toBe('invited');
    expect(invitationLink).toMatch(
      /^http:\/\/portal\.test\/invitations\/accept\?token=[\w-]+\.[\w-]+\.[\w-]+$/,
    );
    expect(invitationLink).not.toContain('grace');
    const mail = await domain.orm.em.getConnection().execute(`select "to", text from portal.outbox_mail`);
    expect(mail).toEqual([expect.objectContaining({ to: 'grace@contoso.test' })]);
    expect(mail[0]?.text).toContain(invitationLink);
    expect(await invariantViolations(domain.orm)).toEqual([]);
  });

  it('bad input creates nothing', async () => {
    const before = await domain.orm.em.fork().count(Organization, {});
    expect(
      await code(
        createOrganization(domain, {
          actor: SYSTEM_ACTOR,
          name: ' ',
          admin: { givenName: 'A', familyName: 'B', email: 'a@b.test' },
        }),
      ),
    ).toBe('INVALID_INPUT');
    expect(
      await code(
        createOrganization(domain, {
          actor: SYSTEM_ACTOR,
          name: 'X',
          admin: { givenName: 'A', familyName: 'B', email: 'nope' },
        }),
      ),
    ).toBe('INVALID_INPUT');
    expect(await domain.orm.em.fork().count(Organization, {})).toBe(before);
  });

  it('the database refuses an organization whose billing contact is not one of its professionals', async () => {
    const { organization } = await organizationWithAdmin(domain, 'Fabrikam', 'ada@fabrikam.test');
    const { organization: other } = await organizationWithAdmin(domain, 'Northwind', 'ada@northwind.test');
    const stranger = await domain.orm.em.fork().findOneOrFail(Professional, { organization: other.id });
    const conn = domain.orm.em.getConnection();
    await expect(
      conn.execute(`update portal.organization set billing_contact_id = ? where id = ?`, [
        stranger.id,
        organization.id,
      ]),
    ).rejects.toThrow(/organization_billing_contact_fk/);
    await expect(
      conn.execute(`delete from portal.professional where id = ?`, [organization.billingContactId]),
    ).rejects.toThrow(/organization_billing_contact_fk|violates/);
  });

  it('a partner administrator administers the customers it is partner of, and only those', async () => {
    const partner = await organizationWithAdmin(domain, 'Encore', 'var@encore.test', 'partner');
    const customer = await organizationWithAdmin(domain, 'Customer One', 'boss@one.test');
    const unrelated = await organizationWithAdmin(domain, 'Customer Two', 'boss@two.test');
    expect(
      await code(
        linkPartner(domain, {
          actor: SYSTEM_ACTOR,
          partnerId: customer.organization.id,
          customerId: unrelated.organization.id,
        }),
      ),
    ).toBe('INVALID_INPUT');
    await linkPartner(domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: customer.organization.id,
    });
    await linkPartner(domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: customer.organization.id,
    });
    const names = (await administeredOrganizations(domain, partner.identity)).map((o) => o.name);
    expect(names).toEqual(['Customer One', 'Encore']);
    await addProfessional(domain, {
      actor: partner.actor,
      organizationId: customer.organization.id,
      profile: { givenName: 'Via', familyName: 'Partner', email: 'via@one.test' },
    });
    expect(
      await code(
        addProfessional(domain, {
          actor: partner.actor,
          organizationId: unrelated.organization.id,
          profile: { givenName: 'No', familyName: 'Way', email: 'no@two.test' },
        }),
      ),
    ).toBe('NOT_FOUND');
  });

  it('memberships list only organizations whose invitation the identity claimed', async () => {
    const { identity } = await organizationWithAdmin(domain, 'Litware', 'm@litware.test');
    expect((await activeMemberships(domain.orm, identity)).map((p) => p.organization.name)).toEqual([
      'Litware',
    ]);
    expect(await activeMemberships(domain.orm, identityOf('nobody@example.test'))).toEqual([]);
    expect(await administeredOrganizations(domain, identityOf('nobody@example.test'))).toEqual([]);
  });
});
