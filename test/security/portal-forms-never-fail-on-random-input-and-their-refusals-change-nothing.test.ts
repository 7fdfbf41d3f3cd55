import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostileField, hostileText, PROPERTY_RUNS } from '../support/hostile-form-values.ts';
import { csrfTokenOf } from '../support/html-page.ts';
import type { TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';
import { propertyCoUnderFuzz } from '../support/property-co-under-fuzz.ts';

/**
 * Random and hostile input to every portal form handler and every GET that takes input: never a
 * 500, never a redirect off-site but to the IdP, and a refusal never changes anything
 * (organizations, professionals, invitations, links, mails, audit events).
 */
describe('portal forms never fail on random input, and their refusals change nothing', () => {
  const world = propertyCoUnderFuzz();
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let other: OrganizationAdmin;
  let memberId: string;
  beforeAll(() => {
    ({ idp, portal, admin, other, memberId } = world);
  });

  const cookies = (browser = admin.browser) =>
    ['portal_session', 'portal_csrf'].map((n) => `${n}=${browser.cookie(portal.url, n)}`).join('; ');

  const requestAsAdmin = async (method: 'GET' | 'POST', path: string, fields: [string, string][] = []) => {
    const res = await fetch(`${portal.url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: cookies(),
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: method === 'POST' ? new URLSearchParams(fields) : undefined,
    });
    await res.arrayBuffer();
    return res;
  };

  /** Run `request`; never a 5xx; a 4xx leaves the portal's data exactly as it was. */
  const refusesCleanly = async (request: () => Promise<Response>, allowed: (status: number) => boolean) => {
    const before = await portalState(portal);
    const res = await request();
    expect(res.status).toBeLessThan(500);
    expect(allowed(res.status), `status ${res.status}`).toBe(true);
    if (res.status >= 400) expect(await portalState(portal)).toBe(before);
    return res;
  };

  const orgIds = () =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(admin.organization.id) },
      { weight: 1, arbitrary: fc.constant(other.organization.id) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.constantFrom('x', '%00', '..', "1'or'1", '%2e%2e%2f') },
    );
  const professionalIds = () =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(memberId) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.constantFrom('new', 'x', '%00', "1'or'1") },
    );
  const csrf = () =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant('valid') },
      { weight: 1, arbitrary: fc.constant('missing') },
      { weight: 1, arbitrary: hostileText },
    );
  const profileFields = () =>
    fc
      .tuple(
        hostileField('givenName', fc.constantFrom('Ada', 'Grace')),
        hostileField('familyName', fc.constantFrom('Lovelace', 'Hopper')),
        hostileField(
          'email',
          fc.constantFrom(newPerson().email, newPerson().email.toUpperCase(), 'no-at-sign'),
        ),
        hostileField('phone', fc.constantFrom('+1 555 0100', '')),
        hostileField('jobTitle', fc.constantFrom('Buyer', '')),
        hostileField('administrator', fc.constant('yes')),
        hostileField('billingContact', fc.constant('yes')),
        hostileField('shippingContact', fc.constant('yes')),
        hostileField('sendInvitation', fc.constant('yes')),
        hostileField('status', fc.constant('active')),
        hostileField('organizationId', fc.constant(randomUUID())),
        hostileField('idpSubject', fc.constant('attacker')),
      )
      .map((parts) => parts.flat());

  const withCsrf = async (mode: string, fields: [string, string][]): Promise<[string, string][]> => {
    if (mode === 'missing') return fields;
    const value = mode === 'valid' ? csrfTokenOf((await admin.browser.get(`${portal.url}/`)).html) : mode;
    return [['_csrf', value], ...fields];
  };

  it('Add New Professionals: never a 500; a refusal changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(orgIds(), csrf(), profileFields(), async (orgId, mode, fields) => {
        const body = await withCsrf(mode, fields);
        await refusesCleanly(
          () => requestAsAdmin('POST', `/accounts/${orgId}/professionals`, body),
          (s) => [303, 400, 403, 404, 409, 413].includes(s),
        );
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('Edit / Save: never a 500; a refusal changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        orgIds(),
        professionalIds(),
        csrf(),
        profileFields(),
        async (orgId, id, mode, fields) => {
          const body = await withCsrf(mode, fields);
          await refusesCleanly(
            () => requestAsAdmin('POST', `/accounts/${orgId}/professionals/${id}`, body),
            (s) => [303, 400, 403, 404, 409, 413].includes(s),
          );
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('Send Invite E-mail and Delete: never a 500; a refusal changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('invite', 'delete'),
        orgIds(),
        professionalIds(),
        csrf(),
        hostileField('extra', fc.constant('x')),
        async (action, orgId, id, mode, fields) => {
          const body = await withCsrf(mode, fields);
          await refusesCleanly(
            () => requestAsAdmin('POST', `/accounts/${orgId}/professionals/${id}/${action}`, body),
            (s) => [200, 303, 403, 404, 409, 413].includes(s),
          );
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('every GET that takes input (sign-in, Extranet Login, callback, invitation link): never a 500, never off-site but to the IdP', async () => {
    const query = fc
      .array(
        fc.tuple(
          fc.constantFrom('option', 'returnTo', 'error', 'state', 'code', 'iss', 'token', 'done'),
          hostileText,
        ),
        {
          maxLength: 4,
        },
      )
      .map((pairs) =>
        new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v.slice(0, 3000)])).toString(),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/sign-in',
          '/extranet-login',
          '/auth/callback',
          '/invitations/accept',
          `/accounts/${admin.organization.id}`,
        ),
        query,
        async (path, search) => {
          const res = await refusesCleanly(
            () => requestAsAdmin('GET', `${path}?${search}`),
            (s) => s < 500,
          );
          const location = res.headers.get('location');
          if (location) {
            const target = new URL(location, portal.url);
            expect([portal.url, idp.issuer]).toContain(target.origin);
          }
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('back-channel logout with any logout_token: always refused (400, or 413 when too large), no session ends', async () => {
    const sessions = async () =>
      (
        await portal.domain.orm.em
          .getConnection()
          .execute<{ n: number }[]>('select count(*)::int as n from portal.portal_session')
      )[0]!.n;
    await fc.assert(
      fc.asyncProperty(
        hostileField('logout_token', fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.')),
        async (fields) => {
          const before = await sessions();
          await refusesCleanly(
            () => requestAsAdmin('POST', '/backchannel-logout', fields),
            (s) => s === 400 || s === 413,
          );
          expect(await sessions()).toBe(before);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
