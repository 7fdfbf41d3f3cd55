import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { AuditEvent } from '../../portal/audit/audit-event.entity.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { Invitation } from '../../portal/invitations/invitation.entity.ts';
import { Organization } from '../../portal/organizations/organization.entity.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import {
  addProfessional,
  deleteProfessional,
  sendInvitation,
  updateProfessional,
} from '../../portal/professionals/professionals.ts';
import { NO_ROLES } from '../../portal/professionals/profile-input.ts';
import {
  ALL_ROLES,
  actorOf,
  identityOf,
  invariantViolations,
  openTestPortalDomain,
  organizationWithAdmin,
  type TestPortalDomain,
} from '../support/portal-domain.ts';

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e) => {
      if (!isAppError(e)) throw e;
      return { code: e.code, message: e.message, fields: e.fields };
    },
  );

const profile = (given: string, email: string) => ({ givenName: given, familyName: 'Test', email });

describe('professionals', () => {
  let domain: TestPortalDomain;
  beforeAll(async () => {
    domain = await openTestPortalDomain();
  });
  afterAll(() => domain.orm.close(true));

  const org = async (id: string) => domain.orm.em.fork().findOneOrFail(Organization, { id });
  const count = (where: object) => domain.orm.em.fork().count(Professional, where);

  it('an administrator adds a professional, who is invited by default', async () => {
    const { organization, actor } = await organizationWithAdmin(domain, 'Adders', 'admin@adders.test');
    const { professional, invitationLink } = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: { ...profile('Bob', 'bob@adders.test'), phone: ' 555 ', jobTitle: '' },
    });
    expect(professional.status).toBe('invited');
    expect(professional.phone).toBe('555');
    expect(professional.jobTitle).toBeNull();
    expect(invitationLink).toBeDefined();
    const quiet = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: profile('Quiet', 'quiet@adders.test'),
      sendInvitation: false,
    });
    expect(quiet.professional.status).toBe('not_invited');
    expect(quiet.invitationLink).toBeUndefined();
  });

  it('bad input and a duplicate e-mail are refused and change nothing', async () => {
    const { organization, actor } = await organizationWithAdmin(domain, 'Strict', 'admin@strict.test');
    const before = await count({ organization: organization.id });
    const bad = await refusal(
      addProfessional(domain, {
        actor,
        organizationId: organization.id,
        profile: { givenName: '', familyName: 'X', email: 'x' },
      }),
    );
    expect(bad).toMatchObject({ code: 'INVALID_INPUT', fields: { givenName: 'Enter the first name.' } });
    expect(bad?.fields.email).toMatch(/valid e-mail/);
    const dup = await refusal(
      addProfessional(domain, {
        actor,
        organizationId: organization.id,
        profile: profile('Dup', 'ADMIN@strict.test'),
      }),
    );
    expect(dup?.code).toBe('EMAIL_TAKEN');
    // A control character (NUL included, which PostgreSQL cannot store) is a field error, not a 500.
    const nul = await refusal(
      addProfessional(domain, {
        actor,
        organizationId: organization.id,
        profile: { givenName: 'Ada', familyName: '\u0000', email: 'ada@strict.test', jobTitle: 'a\u0000b' },
      }),
    );
    expect(nul).toMatchObject({
      code: 'INVALID_INPUT',
      fields: {
        familyName: 'Remove the line break, tab or other control character.',
        jobTitle: 'Remove the line break, tab or other control character.',
      },
    });
    const wildcard = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: profile('Under', 'a_min@strict.test'),
      sendInvitation: false,
    });
    expect(wildcard.professional.email).toBe('a_min@strict.test');
    expect(await count({ organization: organization.id })).toBe(before + 1);
  });

  it('giving the Billing Contact role moves it; taking it from its holder is refused, naming the role', async () => {
    const { organization, actor, admin } = await organizationWithAdmin(domain, 'Movers', 'admin@movers.test');
    const { professional: carol } = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: profile('Carol', 'carol@movers.test'),
      roles: { administrator: false, billingContact: true, shippingContact: false },
    });
    expect((await org(organization.id)).billingContactId).toBe(carol.id);
    const demote = await refusal(
      updateProfessional(domain, {
        actor,
        organizationId: organization.id,
        professionalId: carol.id,
        profile: profile('Carol', 'carol@movers.test'),
        roles: NO_ROLES,
      }),
    );
    expect(demote?.code).toBe('MANDATORY_ROLE_HELD');
    expect(demote?.message).toContain('Billing Contact');
    await updateProfessional(domain, {
      actor,
      organizationId: organization.id,
      professionalId: admin.id,
      profile: profile('Ada', 'admin@movers.test'),
      roles: ALL_ROLES,
    });
    expect((await org(organization.id)).billingContactId).toBe(admin.id);
    await updateProfessional(domain, {
      actor,
      organizationId: organization.id,
      professionalId: carol.id,
      profile: { ...profile('Caroline', 'carol@movers.test'), jobTitle: 'Buyer' },
      roles: NO_ROLES,
    });
    const events = await domain.orm.em
      .fork()
      .find(AuditEvent, { organizationId: organization.id, action: 'role.moved' });
    expect(events).toHaveLength(2);
  });

  it('deleting the holder of a mandatory role is refused with what to do; others are deleted at once', async () => {
    const { organization, actor, admin } = await organizationWithAdmin(
      domain,
      'Deleters',
      'admin@deleters.test',
    );
    const held = await refusal(
      deleteProfessional(domain, { actor, organizationId: organization.id, professionalId: admin.id }),
    );
    expect(held).toMatchObject({ code: 'MANDATORY_ROLE_HELD' });
    expect(held?.message).toMatch(
      /Billing Contact.*first give the Billing Contact role to another professional/,
    );
    const { professional: dan } = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: profile('Dan', 'dan@deleters.test'),
    });
    await deleteProfessional(domain, { actor, organizationId: organization.id, professionalId: dan.id });
    expect(await count({ id: dan.id })).toBe(0);
    expect(await domain.orm.em.fork().count(Invitation, { professional: dan.id })).toBe(0);
  });

  it('the last Administrator cannot be removed, unless a partner administers the organization', async () => {
    const { organization, actor, admin } = await organizationWithAdmin(domain, 'Solo', 'admin@solo.test');
    const { professional: eve } = await addProfessional(domain, {
      actor,
      organizationId: organization.id,
      profile: profile('Eve', 'eve@solo.test'),
      roles: { administrator: false, billingContact: true, shippingContact: true },
    });
    const input = { actor, organizationId: organization.id, professionalId: admin.id };
    expect((await refusal(deleteProfessional(domain, input)))?.code).toBe('LAST_ADMINISTRATOR');
    expect(
      (
        await refusal(
          updateProfessional(domain, {
            ...input,
            profile: profile('Ada', 'admin@solo.test'),
            roles: NO_ROLES,
          }),
        )
      )?.code,
    ).toBe('LAST_ADMINISTRATOR');
    const partner = await organizationWithAdmin(domain, 'Solo Partner', 'var@solopartner.test', 'partner');
    await linkPartner(domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: organization.id,
    });
    await deleteProfessional(domain, input);
    expect(await count({ organization: organization.id })).toBe(1);
    expect(eve.id).toBeDefined();
    expect(await invariantViolations(domain.orm)).toEqual([]);
  });

  it('another organization’s professional, or a non-administrator, gets not found', async () => {
    const mine = await organizationWithAdmin(domain, 'Mine', 'admin@mine.test');
    const theirs = await organizationWithAdmin(domain, 'Theirs', 'admin@theirs.test');
    const cross = {
      actor: mine.actor,
      organizationId: theirs.organization.id,
      professionalId: theirs.admin.id,
    };
    expect((await refusal(deleteProfessional(domain, cross)))?.code).toBe('NOT_FOUND');
    expect((await refusal(sendInvitation(domain, cross)))?.code).toBe('NOT_FOUND');
    const mixed = {
      actor: mine.actor,
      organizationId: mine.organization.id,
      professionalId: theirs.admin.id,
    };
    expect((await refusal(deleteProfessional(domain, mixed)))?.code).toBe('NOT_FOUND');
    const stranger = actorOf(identityOf('stranger@example.test'));
    expect((await refusal(sendInvitation(domain, { ...cross, actor: stranger })))?.code).toBe('NOT_FOUND');
    expect(
      (await refusal(deleteProfessional(domain, { ...cross, organizationId: 'not-a-uuid' })))?.code,
    ).toBe('NOT_FOUND');
  });
});
