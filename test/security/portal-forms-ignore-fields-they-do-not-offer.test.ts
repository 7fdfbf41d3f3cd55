import { beforeAll, describe, expect, it } from 'vitest';
import { contosoUnderAttack } from '../support/contoso-under-attack.ts';
import { csrfTokenOf } from '../support/html-page.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';

/**
 * Mass assignment at the portal (OWASP A01, ASVS 15.3.3): fields the professional forms do not
 * offer (status, IdP identity, organization, ids, prototype keys) are ignored.
 */
describe('portal forms ignore the fields they do not offer', () => {
  const contoso = contosoUnderAttack();
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let stranger: OrganizationAdmin;
  let victimId: string;
  beforeAll(() => {
    ({ idp, portal, admin, stranger, victimId } = contoso);
  });

  it('mass assignment: fields the form does not offer (status, identity, organization, ids) are ignored', async () => {
    const token = csrfTokenOf((await admin.browser.get(`${portal.url}/`)).html);
    const extra = {
      status: 'active',
      idpIssuer: idp.issuer,
      idpSubject: 'attacker-subject',
      idp_subject: 'attacker-subject',
      organization: stranger.organization.id,
      organizationId: stranger.organization.id,
      organization_id: stranger.organization.id,
      id: stranger.organization.id,
      isAdministrator: 'true',
      billingContactId: victimId,
      createdAt: '2000-01-01',
      'givenName[]': 'Array',
      ['__proto__']: 'x',
      'constructor[prototype][polluted]': 'yes',
    };
    const email = newPerson().email;
    const added = await admin.browser.post(`${portal.url}/accounts/${admin.organization.id}/professionals`, {
      _csrf: token,
      givenName: 'Mass',
      familyName: 'Assigned',
      email,
      ...extra,
    });
    expect(added.status).toBe(200);
    const conn = portal.domain.orm.em.getConnection();
    const [row] = await conn.execute<Record<string, unknown>[]>(
      'select * from portal.professional where email = ?',
      [email],
    );
    expect(row).toMatchObject({
      organization_id: admin.organization.id,
      status: 'not_invited',
      idp_issuer: null,
      idp_subject: null,
      is_administrator: false,
    });
    const orgBefore = await conn.execute('select * from portal.organization where id = ?', [
      admin.organization.id,
    ]);
    const edited = await admin.browser.post(
      `${portal.url}/accounts/${admin.organization.id}/professionals/${row!.id}`,
      { _csrf: token, givenName: 'Mass', familyName: 'Edited', email, ...extra },
    );
    expect(edited.status).toBe(200);
    const [after] = await conn.execute<Record<string, unknown>[]>(
      'select * from portal.professional where id = ?',
      [row!.id],
    );
    expect(after).toMatchObject({ ...row, family_name: 'Edited', updated_at: after!.updated_at });
    expect(
      await conn.execute('select * from portal.organization where id = ?', [admin.organization.id]),
    ).toEqual(orgBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
