import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { claimInvitation } from '../../portal/invitations/claim-invitation.ts';
import { Professional } from '../../portal/organizations/professional.entity.ts';
import { addProfessional, sendInvitation } from '../../portal/professionals/professionals.ts';
import {
  identityOf,
  openTestPortalDomain,
  organizationWithAdmin,
  type TestPortalDomain,
  tokenOf,
} from '../support/portal-domain.ts';

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e) => (isAppError(e) ? e.code : `unexpected: ${e}`),
  );

describe('invitations', () => {
  let domain: TestPortalDomain;
  beforeAll(async () => {
    domain = await openTestPortalDomain();
  });
  afterAll(() => domain.orm.close(true));

  const invite = async (email: string, allowAnyAccount = false) => {
    const owner = await organizationWithAdmin(domain, `Org of ${email}`, `admin-${email}`);
    if (allowAnyAccount) {
      await domain.orm.em
        .getConnection()
        .execute(`update portal.organization set allow_any_account = true where id = ?`, [
          owner.organization.id,
        ]);
    }
    const added = await addProfessional(domain, {
      actor: owner.actor,
      organizationId: owner.organization.id,
      profile: { givenName: 'In', familyName: 'Vitee', email },
    });
    return { ...owner, professional: added.professional, token: tokenOf(added.invitationLink!) };
  };
  const reload = (id: string) => domain.orm.em.fork().findOneOrFail(Professional, { id });

  it('the invited account claims it; the same account again is a no-op', async () => {
    const { token, professional } = await invite('ivy@claim.test');
    const ivy = identityOf('IVY@claim.test', 'ivy-sub');
    const first = await claimInvitation(domain, { token, identity: ivy });
    expect(first.alreadyClaimed).toBe(false);
    expect(await reload(professional.id)).toMatchObject({ status: 'active', idpSubject: 'ivy-sub' });
    const again = await claimInvitation(domain, { token, identity: ivy });
    expect(again.alreadyClaimed).toBe(true);
  });

  it('another account cannot claim a claimed invitation', async () => {
    const { token } = await invite('jo@claim.test', true);
    await claimInvitation(domain, { token, identity: identityOf('jo@claim.test', 'jo-sub') });
    expect(
      await code(claimInvitation(domain, { token, identity: identityOf('other@claim.test', 'other-sub') })),
    ).toBe('INVITATION_CLAIMED');
  });

  it('the wrong or an unverified account is refused and nothing changes', async () => {
    const { token, professional } = await invite('kim@claim.test');
    expect(await code(claimInvitation(domain, { token, identity: identityOf('mallory@claim.test') }))).toBe(
      'INVITATION_WRONG_ACCOUNT',
    );
    // The invited address, but the sign-in option does not assert it is verified: its own refusal.
    const unverified = { ...identityOf('kim@claim.test'), emailVerified: false };
    expect(await code(claimInvitation(domain, { token, identity: unverified }))).toBe(
      'INVITATION_EMAIL_NOT_VERIFIED',
    );
    expect(await reload(professional.id)).toMatchObject({ status: 'invited', idpSubject: null });
  });

  it('an organization that allows any account accepts another e-mail', async () => {
    const { token } = await invite('lee@claim.test', true);
    const result = await claimInvitation(domain, { token, identity: identityOf('lee.private@home.test') });
    expect(result.professional.status).toBe('active');
  });

  it('re-sending revokes the previous link', async () => {
    const { token, actor, organization, professional } = await invite('max@claim.test');
    const link = await sendInvitation(domain, {
      actor,
      organizationId: organization.id,
      professionalId: professional.id,
    });
    const max = identityOf('max@claim.test');
    expect(await code(claimInvitation(domain, { token, identity: max }))).toBe('INVITATION_REVOKED');
    expect(await code(claimInvitation(domain, { token: tokenOf(link), identity: max }))).toBe('resolved');
  });

  it('an expired link is refused', async () => {
    const { token } = await invite('ned@claim.test');
    const later = { ...domain, now: () => new Date(Date.now() + 8 * 24 * 3600 * 1000) };
    expect(await code(claimInvitation(later, { token, identity: identityOf('ned@claim.test') }))).toBe(
      'INVITATION_EXPIRED',
    );
  });

  it('a tampered, foreign or garbage token is invalid', async () => {
    const { token } = await invite('olga@claim.test');
    const olga = identityOf('olga@claim.test');
    const [h, p, s] = token.split('.');
    expect(
      await code(claimInvitation(domain, { token: `${h}.${p}.${s!.slice(0, -2)}AA`, identity: olga })),
    ).toBe('INVITATION_INVALID');
    expect(await code(claimInvitation(domain, { token: 'garbage', identity: olga }))).toBe(
      'INVITATION_INVALID',
    );
    const other = {
      ...domain,
      invitationKey: new TextEncoder().encode('another-key-that-is-32-bytes-long!!'),
    };
    expect(await code(claimInvitation(other, { token, identity: olga }))).toBe('INVITATION_INVALID');
  });

  it('a deleted professional’s link is invalid', async () => {
    const { token, actor, organization, professional } = await invite('pia@claim.test');
    const { deleteProfessional } = await import('../../portal/professionals/professionals.ts');
    await deleteProfessional(domain, {
      actor,
      organizationId: organization.id,
      professionalId: professional.id,
    });
    expect(await code(claimInvitation(domain, { token, identity: identityOf('pia@claim.test') }))).toBe(
      'INVITATION_INVALID',
    );
  });

  it('an account that is already a member of the organization cannot claim a second seat', async () => {
    const { token, identity } = await invite('quinn@claim.test', true);
    expect(await code(claimInvitation(domain, { token, identity }))).toBe('ALREADY_MEMBER');
  });
});
