import { beforeAll } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import type { TestIdp } from './idp-instance.ts';
import { newPerson } from './oidc-client.ts';
import type { TestPortal } from './portal-instance.ts';
import { type OrganizationAdmin, organizationAdmin } from './portal-people.ts';
import { sharedPortal } from './shared-portal.ts';

/** The portal the form properties are run against: Property Co, its administrator and a professional, and Other Co. */
export interface PropertyCoUnderFuzz {
  readonly idp: TestIdp;
  readonly portal: TestPortal;
  /** Property Co's administrator, signed in: every property posts as them. */
  readonly admin: OrganizationAdmin;
  /** Other Co's administrator: its ids are among those the properties try. */
  readonly other: OrganizationAdmin;
  /** The id of Pro Perty, a professional of Property Co (invited) the properties edit. */
  readonly memberId: string;
}

/** Call inside a `describe`: registers the hooks that start the portal and set Property Co and Other Co up. */
export function propertyCoUnderFuzz(): PropertyCoUnderFuzz {
  const shared = sharedPortal();
  let admin: OrganizationAdmin;
  let other: OrganizationAdmin;
  let memberId: string;
  beforeAll(async () => {
    const { idp, portal } = shared;
    admin = await organizationAdmin(idp, portal, 'Property Co');
    other = await organizationAdmin(idp, portal, 'Other Co');
    const added = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Pro', familyName: 'Perty', email: newPerson().email },
    });
    memberId = added.professional.id;
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
    get other() {
      return other;
    },
    get memberId() {
      return memberId;
    },
  };
}
