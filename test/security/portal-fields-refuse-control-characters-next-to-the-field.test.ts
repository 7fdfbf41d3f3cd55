import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addAdministrator } from '../../portal/professionals/add-administrator.ts';
import { PROPERTY_RUNS } from '../support/hostile-form-values.ts';
import { csrfTokenOf } from '../support/html-page.ts';
import { newPerson } from '../support/oidc-client.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';
import { propertyCoUnderFuzz } from '../support/property-co-under-fuzz.ts';

/**
 * A control character (C0, DEL, C1, U+2028/U+2029) anywhere in any field of a professional or an
 * organization, through the forms or the CLI's service functions: the field error for that field,
 * and nothing changes.
 */
describe('a control character (C0, DEL, C1, U+2028/U+2029) in any portal field is refused next to it', () => {
  const world = propertyCoUnderFuzz();
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let memberId: string;
  beforeAll(() => {
    ({ portal, admin, memberId } = world);
  });

  const MESSAGE = 'Remove the line break, tab or other control character.';
  const control = fc
    .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f), fc.integer({ min: 0x80, max: 0x9f }))
    .map((code) => String.fromCharCode(code))
    .chain((c) => fc.oneof(fc.constant(c), fc.constantFrom('\u2028', '\u2029')));
  /** `value` with a control character at the start, inside, or at the end. */
  const spoil = (value: string) =>
    fc
      .tuple(control, fc.nat({ max: value.length }))
      .map(([c, at]) => `${value.slice(0, at)}${c}${value.slice(at)}`);
  const valid = () => ({
    givenName: 'Ada',
    familyName: 'Lovelace',
    email: newPerson().email,
    phone: '+1 555 0100',
    jobTitle: 'Buyer',
  });
  const PROFILE_FIELDS = ['givenName', 'familyName', 'email', 'phone', 'jobTitle'] as const;
  /** A valid profile but for one field, which holds a control character. */
  const spoiledProfile = fc.constantFrom(...PROFILE_FIELDS).chain((name) => {
    const profile = valid();
    return spoil(profile[name]).map((bad) => ({ name, profile: { ...profile, [name]: bad } }));
  });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (e: unknown) => (isAppError(e) ? { code: e.code, fields: e.fields } : `unexpected ${e}`),
    );

  it('Add New Professionals and Edit / Save: the field error next to that field, and nothing changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('add', 'edit'), spoiledProfile, async (action, { name, profile }) => {
        const path =
          action === 'add'
            ? `/accounts/${admin.organization.id}/professionals`
            : `/accounts/${admin.organization.id}/professionals/${memberId}`;
        const before = await portalState(portal);
        const page = await admin.browser.post(`${portal.url}${path}`, {
          _csrf: csrfTokenOf((await admin.browser.get(`${portal.url}/`)).html),
          ...profile,
          sendInvitation: 'yes',
        });
        expect(page.status).toBe(400);
        expect(page.html).toContain('data-code="INVALID_INPUT"');
        expect(page.html).toContain(`<small id="${name}-error" class="error">${MESSAGE}</small>`);
        expect(await portalState(portal)).toBe(before);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('organization create and add-admin (the CLI): the field error for that field, and nothing changes', async () => {
    const organizationField = fc.constantFrom('name', 'admin').chain((which) =>
      which === 'name'
        ? spoil('Control Co').map((name) => ({ field: 'name', name, admin: valid() }))
        : spoiledProfile.map(({ name, profile }) => ({
            field: name,
            name: 'Control Co',
            admin: profile,
          })),
    );
    await fc.assert(
      fc.asyncProperty(organizationField, spoiledProfile, async (org, added) => {
        const before = await portalState(portal);
        expect(
          await refusal(
            createOrganization(portal.domain, { actor: SYSTEM_ACTOR, name: org.name, admin: org.admin }),
          ),
        ).toEqual({ code: 'INVALID_INPUT', fields: { [org.field]: MESSAGE } });
        expect(
          await refusal(
            addAdministrator(portal.domain, {
              actor: SYSTEM_ACTOR,
              organizationId: admin.organization.id,
              profile: added.profile,
            }),
          ),
        ).toEqual({ code: 'INVALID_INPUT', fields: { [added.name]: MESSAGE } });
        expect(await portalState(portal)).toBe(before);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
