import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { claimInvitation } from '../../portal/invitations/claim-invitation.ts';
import { Organization } from '../../portal/organizations/organization.entity.ts';
import { Professional } from '../../portal/professionals/professional.entity.ts';
import {
  addProfessional,
  deleteProfessional,
  updateProfessional,
} from '../../portal/professionals/professionals.ts';
import { ALL_ROLES, type Roles } from '../../portal/professionals/profile-input.ts';
import {
  identityOf,
  invariantViolations,
  openTestPortalDomain,
  organizationWithAdmin,
  type TestPortalDomain,
  tokenOf,
} from '../support/portal-domain.ts';

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (e) => (isAppError(e) ? e.code : Promise.reject(e)),
  );

const ADMIN_ONLY: Roles = { administrator: true, billingContact: false, shippingContact: false };

describe('concurrent administrators cannot break an invariant', () => {
  let domain: TestPortalDomain;
  beforeAll(async () => {
    domain = await openTestPortalDomain();
  });
  afterAll(async () => {
    expect(await invariantViolations(domain.orm)).toEqual([]);
    await domain.orm.close(true);
  });

  it('two admins deleting each other: one wins, the last Administrator stays', async () => {
    const { organization, actor, admin } = await organizationWithAdmin(domain, 'Race A', 'a1@race.test');
    const second = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: { givenName: 'Two', familyName: 'Admin', email: 'a2@race.test' },
      roles: ADMIN_ONLY,
    });
    // Hand the mandatory roles to a third person, so only the last-administrator rule is in play.
    await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: { givenName: 'Third', familyName: 'Person', email: 'a3@race.test' },
      roles: { administrator: false, billingContact: true, shippingContact: true },
    });
    // The system actor: neither delete may be refused merely because its actor was just deleted.
    const system = SYSTEM_ACTOR;
    const results = await Promise.all([
      outcome(
        deleteProfessional(domain, {
          actor: system,
          organizationId: organization.id,
          professionalId: admin.id,
        }),
      ),
      outcome(
        deleteProfessional(domain, {
          actor: system,
          organizationId: organization.id,
          professionalId: second.professional.id,
        }),
      ),
    ]);
    expect(results.sort()).toEqual(['LAST_ADMINISTRATOR', 'ok']);
    expect(
      await domain.orm.em
        .fork()
        .count(Professional, { organization: organization.id, isAdministrator: true }),
    ).toBe(1);
  });

  it('racing role moves and a delete of the new holder leave exactly one valid holder', async () => {
    const { organization, actor } = await organizationWithAdmin(domain, 'Race B', 'b1@race.test');
    const people = await Promise.all(
      ['b2', 'b3', 'b4'].map((n) =>
        addProfessional(domain, {
          actor,
          organizationId: organization.id,
          profile: { givenName: n, familyName: 'Race', email: `${n}@race.test` },
          sendInvitation: false,
        }),
      ),
    );
    const moves = people.map(({ professional }) =>
      outcome(
        updateProfessional(domain, {
          actor,
          organizationId: organization.id,
          professionalId: professional.id,
          profile: { givenName: professional.givenName, familyName: 'Race', email: professional.email },
          roles: { administrator: false, billingContact: true, shippingContact: true },
        }),
      ),
    );
    const deletes = people.map(({ professional }) =>
      outcome(
        deleteProfessional(domain, {
          actor,
          organizationId: organization.id,
          professionalId: professional.id,
        }),
      ),
    );
    await Promise.all([...moves, ...deletes]);
    const org = await domain.orm.em.fork().findOneOrFail(Organization, { id: organization.id });
    const holder = await domain.orm.em
      .fork()
      .findOne(Professional, { id: org.billingContactId, organization: org.id });
    expect(holder).not.toBeNull();
    expect(org.shippingContactId).toBe(org.billingContactId);
  });

  it('two accounts racing to claim one invitation: exactly one wins', async () => {
    const { organization, actor } = await organizationWithAdmin(domain, 'Race C', 'c1@race.test');
    await domain.orm.em
      .getConnection()
      .execute(`update portal.organization set allow_any_account = true where id = ?`, [organization.id]);
    const { invitationLink } = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: { givenName: 'Claim', familyName: 'Race', email: 'c2@race.test' },
    });
    const token = tokenOf(invitationLink!);
    const results = await Promise.all(
      ['x', 'y', 'z'].map((n) =>
        outcome(claimInvitation(domain, { token, identity: identityOf(`${n}@race.test`) })),
      ),
    );
    expect(results.sort()).toEqual(['INVITATION_CLAIMED', 'INVITATION_CLAIMED', 'ok']);
  });

  it('two admins adding the same e-mail at once: one professional', async () => {
    const { organization, actor } = await organizationWithAdmin(domain, 'Race D', 'd1@race.test');
    const add = () =>
      outcome(
        addProfessional(domain, {
          actor,
          organizationId: organization.id,
          profile: { givenName: 'Same', familyName: 'Mail', email: 'same@race.test' },
          roles: ALL_ROLES,
        }),
      );
    expect((await Promise.all([add(), add()])).sort()).toEqual(['EMAIL_TAKEN', 'ok']);
  });
});
