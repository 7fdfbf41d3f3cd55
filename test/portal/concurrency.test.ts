import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { claimInvitation } from '../../portal/invitations/claim-invitation.ts';
import { Organization } from '../../portal/organizations/organization.entity.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import {
  addProfessional,
  deleteProfessional,
  updateProfessional,
} from '../../portal/professionals/professionals.ts';
import type { Roles } from '../../portal/professionals/profile-input.ts';
import {
  ALL_ROLES,
  actorOf,
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

  /** A new Administrator of the organization who has claimed their invitation (bound). */
  const boundAdministrator = async (organizationId: string, email: string) => {
    const { professional, invitationLink } = await addProfessional(domain, {
      actor: SYSTEM_ACTOR,
      organizationId,
      profile: { givenName: email.split('@')[0]!, familyName: 'Admin', email },
      roles: ADMIN_ONLY,
    });
    const identity = identityOf(email);
    await claimInvitation(domain, { token: tokenOf(invitationLink!), identity });
    return { professional, identity, actor: actorOf(identity) };
  };
  const boundAdministrators = (organizationId: string) =>
    domain.orm.em.fork().count(Professional, {
      organization: organizationId,
      isAdministrator: true,
      status: 'active',
      idpSubject: { $ne: null },
    });
  /** Two bound Administrators, a third only invited, and the mandatory roles with a fourth person. */
  const twoBoundAndOneInvited = async (name: string) => {
    const { organization, actor, admin } = await organizationWithAdmin(domain, name, `one@${name}.test`);
    const second = await boundAdministrator(organization.id, `two@${name}.test`);
    await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: { givenName: 'Invited', familyName: 'Admin', email: `invited@${name}.test` },
      roles: ADMIN_ONLY,
    });
    await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: { givenName: 'Roles', familyName: 'Holder', email: `roles@${name}.test` },
      roles: { administrator: false, billingContact: true, shippingContact: true },
    });
    return { organization, first: { professional: admin, actor }, second };
  };

  it('two admins deleting each other: one wins, the last Administrator stays', async () => {
    const { organization, actor, admin } = await organizationWithAdmin(domain, 'Race A', 'a1@race.test');
    const second = await boundAdministrator(organization.id, 'a2@race.test');
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

  it('the two bound admins deleting each other while a third is only invited: one wins, one bound Administrator stays', async () => {
    const { organization, first, second } = await twoBoundAndOneInvited('race-e');
    const remove = (professionalId: string) =>
      outcome(
        deleteProfessional(domain, { actor: SYSTEM_ACTOR, organizationId: organization.id, professionalId }),
      );
    const results = await Promise.all([remove(first.professional.id), remove(second.professional.id)]);
    expect(results.sort()).toEqual(['LAST_BOUND_ADMINISTRATOR', 'ok']);
    expect(await boundAdministrators(organization.id)).toBe(1);
  });

  it('the two bound admins dropping their own Administrator role at once: one wins, one bound Administrator stays', async () => {
    const { organization, first, second } = await twoBoundAndOneInvited('race-g');
    const drop = (who: typeof first) =>
      outcome(
        updateProfessional(domain, {
          actor: who.actor,
          organizationId: organization.id,
          professionalId: who.professional.id,
          profile: {
            givenName: who.professional.givenName,
            familyName: who.professional.familyName,
            email: who.professional.email,
          },
          roles: { administrator: false, billingContact: false, shippingContact: false },
        }),
      );
    const results = await Promise.all([drop(first), drop(second)]);
    expect(results.sort()).toEqual(['LAST_BOUND_ADMINISTRATOR', 'ok']);
    expect(await boundAdministrators(organization.id)).toBe(1);
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
