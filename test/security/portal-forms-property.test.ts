import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { claimInvitation } from '../../portal/invitations/claim-invitation.ts';
import { readInvitationToken } from '../../portal/invitations/invitation-token.ts';
import { createOrganization } from '../../portal/organizations/organizations.ts';
import { addAdministrator } from '../../portal/professionals/add-administrator.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { csrfTokenOf } from '../support/html-page.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { identityOf, tokenOf } from '../support/portal-domain.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { organizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

const RUNS = 30;

// Markup, SQL, template syntax, NUL, CR/LF, bidi and width tricks, look-alikes, and valid-looking
// values so that some runs get past validation.
const HOSTILE = [
  '',
  ' ',
  '\u0000',
  '\r\nBcc: spy@evil.example',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  "'; drop table portal.professional; --",
  '%',
  '%00',
  '%E0%A4%A',
  '<%= it.csrfToken %>',
  '{{7*7}}',
  '\u202eevil',
  '\u212Aate@example.com',
  'kate@ex\u0430mple.com',
  '\ud800',
  '00000000-0000-0000-0000-000000000000',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'yes',
  'active',
  'Ada',
  'valid@example.com',
  'A'.repeat(300),
];

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 1, arbitrary: fc.nat({ max: 40_000 }).map((n) => 'y'.repeat(n)) },
);

/** One field as a hostile client may send it: absent, one value, repeated, or nested. */
const field = (name: string, samples: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
    { weight: 6, arbitrary: fc.oneof(samples, text).map((v): [string, string][] => [[name, v]]) },
    {
      weight: 1,
      arbitrary: fc
        .array(text, { minLength: 1, maxLength: 3 })
        .map((vs) => vs.map((v): [string, string] => [`${name}[]`, v])),
    },
    { weight: 1, arbitrary: text.map((v): [string, string][] => [[`${name}[x][y]`, v]]) },
  );

/**
 * Random and hostile input to every portal form handler and the invitation verifier: never a 500,
 * and a refusal never changes anything (organizations, professionals, invitations, links, mails,
 * audit events).
 */
describe('portal forms and the invitation verifier, fed random and hostile input', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: Awaited<ReturnType<typeof organizationAdmin>>;
  let other: Awaited<ReturnType<typeof organizationAdmin>>;
  let memberId: string;

  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    admin = await organizationAdmin(idp, portal, 'Property Co');
    other = await organizationAdmin(idp, portal, 'Other Co');
    const added = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Pro', familyName: 'Perty', email: newPerson().email },
    });
    memberId = added.professional.id;
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const cookies = (browser = admin.browser) =>
    ['portal_session', 'portal_csrf'].map((n) => `${n}=${browser.cookie(portal.url, n)}`).join('; ');

  const send = async (method: 'GET' | 'POST', path: string, fields: [string, string][] = []) => {
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
      { weight: 1, arbitrary: text },
    );
  const profileFields = () =>
    fc
      .tuple(
        field('givenName', fc.constantFrom('Ada', 'Grace')),
        field('familyName', fc.constantFrom('Lovelace', 'Hopper')),
        field('email', fc.constantFrom(newPerson().email, newPerson().email.toUpperCase(), 'no-at-sign')),
        field('phone', fc.constantFrom('+1 555 0100', '')),
        field('jobTitle', fc.constantFrom('Buyer', '')),
        field('administrator', fc.constant('yes')),
        field('billingContact', fc.constant('yes')),
        field('shippingContact', fc.constant('yes')),
        field('sendInvitation', fc.constant('yes')),
        field('status', fc.constant('active')),
        field('organizationId', fc.constant(randomUUID())),
        field('idpSubject', fc.constant('attacker')),
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
          () => send('POST', `/accounts/${orgId}/professionals`, body),
          (s) => [303, 400, 403, 404, 409, 413].includes(s),
        );
      }),
      { numRuns: RUNS },
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
            () => send('POST', `/accounts/${orgId}/professionals/${id}`, body),
            (s) => [303, 400, 403, 404, 409, 413].includes(s),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('Send Invite E-mail and Delete: never a 500; a refusal changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('invite', 'delete'),
        orgIds(),
        professionalIds(),
        csrf(),
        field('extra', fc.constant('x')),
        async (action, orgId, id, mode, fields) => {
          const body = await withCsrf(mode, fields);
          await refusesCleanly(
            () => send('POST', `/accounts/${orgId}/professionals/${id}/${action}`, body),
            (s) => [200, 303, 403, 404, 409, 413].includes(s),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('every GET that takes input (sign-in, Extranet Login, callback, invitation link): never a 500, never off-site but to the IdP', async () => {
    const query = fc
      .array(
        fc.tuple(
          fc.constantFrom('option', 'returnTo', 'error', 'state', 'code', 'iss', 'token', 'done'),
          text,
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
            () => send('GET', `${path}?${search}`),
            (s) => s < 500,
          );
          const location = res.headers.get('location');
          if (location) {
            const target = new URL(location, portal.url);
            expect([portal.url, idp.issuer]).toContain(target.origin);
          }
        },
      ),
      { numRuns: RUNS },
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
        field('logout_token', fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.')),
        async (fields) => {
          const before = await sessions();
          await refusesCleanly(
            () => send('POST', '/backchannel-logout', fields),
            (s) => s === 400 || s === 413,
          );
          expect(await sessions()).toBe(before);
        },
      ),
      { numRuns: RUNS },
    );
  });

  describe('control characters (C0, DEL, C1, U+2028/U+2029) in any field', () => {
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
        fc.asyncProperty(
          fc.constantFrom('add', 'edit'),
          spoiledProfile,
          async (action, { name, profile }) => {
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
          },
        ),
        { numRuns: RUNS },
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
        { numRuns: RUNS },
      );
    });
  });

  it('the invitation verifier: random strings and mutated tokens are INVITATION_INVALID (or the very same claims), and a claim with them changes nothing', async () => {
    // An invitation of its own: the form properties above may edit (and so revoke) the shared one.
    const invited = await addProfessional(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: 'Vera', familyName: 'Fier', email: newPerson().email },
    });
    const token = tokenOf(invited.invitationLink!);
    const original = await readInvitationToken(portal.domain.invitationKey, portal.domain.portalUrl, token);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const mutated = fc.oneof(
      text,
      fc
        .tuple(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet))
        .map(([i, c]) => `${token.slice(0, i)}${c}${token.slice(i + 1)}`),
      fc.nat({ max: token.length - 1 }).map((n) => token.slice(0, n)),
      text.map((t) => `${token}${t}`),
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
