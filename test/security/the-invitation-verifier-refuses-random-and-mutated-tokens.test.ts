import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { claimInvitation } from '../../portal/invitations/claim-invitation.ts';
import { readInvitationToken } from '../../portal/invitations/invitation-token.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { hostileText } from '../support/hostile-form-values.ts';
import { newPerson } from '../support/oidc-client.ts';
import { identityOf, tokenOf } from '../support/portal-domain.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';
import { propertyCoUnderFuzz } from '../support/property-co-under-fuzz.ts';

/**
 * The invitation verifier, fed random strings and mutations of a real token: each is
 * INVITATION_INVALID (or reads as the very same claims), and a claim with it changes nothing.
 */
describe('the invitation verifier refuses random and mutated tokens', () => {
  const world = propertyCoUnderFuzz();
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  beforeAll(() => {
    ({ portal, admin } = world);
  });

  it('the invitation verifier: random strings and mutated tokens are INVITATION_INVALID (or the very same claims), and a claim with them changes nothing', async () => {
    // An invitation of its own: editing a professional (as the form properties do) revokes theirs.
    const invited = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Vera', familyName: 'Fier', email: newPerson().email },
    });
    const token = tokenOf(invited.invitationLink!);
    const original = await readInvitationToken(portal.domain.invitationKey, portal.domain.portalUrl, token);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const mutated = fc.oneof(
      hostileText,
      fc
        .tuple(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet))
        .map(([i, c]) => `${token.slice(0, i)}${c}${token.slice(i + 1)}`),
      fc.nat({ max: token.length - 1 }).map((n) => token.slice(0, n)),
      hostileText.map((t) => `${token}${t}`),
      fc.constantFrom(...token.split('.')).map((part) => `${part}.${part}.${part}`),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (candidate) => {
        const read = await readInvitationToken(
          portal.domain.invitationKey,
          portal.domain.portalUrl,
          candidate,
        ).then(
          (claims) => ({ claims }),
          (error: unknown) => ({ error }),
        );
        if ('claims' in read) expect(read.claims).toEqual(original);
        else expect(isAppError(read.error) && read.error.code).toBe('INVITATION_INVALID');
        const before = await portalState(portal);
        const claimed = await claimInvitation(portal.domain, {
          token: candidate,
          identity: identityOf(`intruder-${randomUUID()}@evil.example`),
        }).then(
          () => 'claimed',
          (error: unknown) => (isAppError(error) && error.status < 500 ? error.code : `unexpected ${error}`),
        );
        expect(claimed).toMatch(/^INVITATION_(INVALID|WRONG_ACCOUNT)$/);
        expect(await portalState(portal)).toBe(before);
      }),
      { numRuns: 60 },
    );
  });
});
