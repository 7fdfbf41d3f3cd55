import { beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { inputCorpUnderAttack } from '../support/input-corp-under-attack.ts';
import { newPerson } from '../support/oidc-client.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

/**
 * Hostile input at the portal's forms (OWASP ASVS 5.0 V1/V2/V15): oversized and malformed bodies,
 * unicode tricks in e-mail addresses, CR/LF meant for a mail header, broken invitation tokens. Each
 * is refused with a clean 4xx, never a 500, and changes nothing.
 */
describe('portal forms refuse oversized, malformed and look-alike input, and change nothing', () => {
  const world = inputCorpUnderAttack();
  const { adminCsrfToken, postAsAdmin } = world;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  let formsUrl: string;
  beforeAll(() => {
    ({ portal, admin, formsUrl } = world);
  });

  it('an oversized form is refused with 413 and changes nothing', async () => {
    const before = await portalState(portal);
    const body = new URLSearchParams({
      _csrf: await adminCsrfToken(),
      givenName: 'Big',
      familyName: 'Body',
      email: newPerson().email,
      jobTitle: 'x'.repeat(64 * 1024),
    });
    const res = await postAsAdmin(formsUrl, body);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('The form is too large.');
    const backchannel = await postAsAdmin(
      `${portal.url}/backchannel-logout`,
      `logout_token=${'x'.repeat(64 * 1024)}`,
    );
    expect(backchannel.status).toBe(413);
    expect(await portalState(portal)).toBe(before);
  });

  it('malformed bodies (bad encoding, deep nesting, JSON, XML, multipart, binary) never give a 500 and change nothing', async () => {
    const before = await portalState(portal);
    const csrf = await adminCsrfToken();
    const cases: [string, string | Buffer | URLSearchParams, string?][] = [
      ['bad percent-encoding', `_csrf=${csrf}&givenName=%E0%A4%A&familyName=%&email=%zz`],
      [
        'invalid UTF-8',
        Buffer.concat([Buffer.from(`_csrf=${csrf}&givenName=`), Buffer.from([0xc3, 0x28, 0xff])]),
      ],
      ['deep nesting', `_csrf=${csrf}&${'a'.repeat(1)}${'[a]'.repeat(500)}=1`],
      ['many fields', `_csrf=${csrf}&${Array.from({ length: 3000 }, (_, i) => `f${i}=1`).join('&')}`],
      ['array fields', `_csrf=${csrf}&givenName[]=a&givenName[]=b&email[x]=y`],
      ['deep JSON', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, 'application/json'],
      ['malformed JSON', '{"_csrf":', 'application/json'],
      [
        'XML',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        'text/xml',
      ],
      [
        'multipart',
        '--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nx\r\n--b--',
        'multipart/form-data; boundary=b',
      ],
      ['binary', Buffer.from([0, 1, 2, 255, 254, 0]), 'application/octet-stream'],
      ['NUL bytes', `_csrf=${csrf}&givenName=a%00b&familyName=c&email=a%00@example.com`],
    ];
    for (const [name, body, type] of cases) {
      for (const url of [formsUrl, `${portal.url}/backchannel-logout`]) {
        const res = await postAsAdmin(url, body, type);
        expect(res.status, `${name} → ${url}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${name} → ${url}`).toBeLessThan(500);
        await res.arrayBuffer();
      }
    }
    expect(await portalState(portal)).toBe(before);
  });

  it('unicode tricks in e-mails (case, homoglyphs, Kelvin sign, NUL, CR/LF, invisible characters) are refused or matched exactly', async () => {
    const before = await portalState(portal);
    const csrf = await adminCsrfToken();
    const upper = admin.person.email.toUpperCase();
    const duplicate = await admin.browser.post(formsUrl, {
      _csrf: csrf,
      givenName: 'Dup',
      familyName: 'Case',
      email: upper,
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.html).toContain('already belongs to this account');
    for (const email of [
      'admin@ex\u0430mple.com',
      '\u212Aate@example.com',
      'kate@example.com\u0000',
      'kate@example.com\r\nBcc: attacker@evil.test',
      'kate\u200b@example.com',
      'kate@example.com\u202e',
      '\uff4bate@example.com',
      'kate@xn--exmple-cua.com\u0301',
      `${'a'.repeat(250)}@example.com`,
    ]) {
      const page = await admin.browser.post(formsUrl, {
        _csrf: csrf,
        givenName: 'Uni',
        familyName: 'Code',
        email,
      });
      expect(page.status, JSON.stringify(email)).toBe(400);
      expect(page.html).toContain('Some fields need your attention.');
    }
    expect(await portalState(portal)).toBe(before);
  });

  it('header injection in mail subjects: CR/LF in an organization or professional name is refused, so no mail goes out', async () => {
    const person = newPerson();
    const before = await portalState(portal);
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => 'accepted',
        (e: { code?: string; fields?: object }) => ({ code: e.code, fields: Object.keys(e.fields ?? {}) }),
      );
    expect(
      await refused(
        createOrganization(portal.domain, {
          actor: SYSTEM_ACTOR,
          name: 'Evil\r\nBcc: attacker@evil.test\r\nSubject: pwned\n\nbody',
          admin: { givenName: 'Head\r\nBcc: attacker@evil.test', familyName: 'Er', email: person.email },
        }),
      ),
    ).toEqual({ code: 'INVALID_INPUT', fields: ['name'] });
    expect(
      await refused(
        addProfessional(portal.domain, {
          actor: SYSTEM_ACTOR,
          organizationId: admin.organization.id,
          profile: { givenName: 'X\r\nCc: attacker@evil.test', familyName: 'Y', email: newPerson().email },
        }),
      ),
    ).toEqual({ code: 'INVALID_INPUT', fields: ['givenName'] });
    // Nothing was written, the outbox included: no mail can go out with those headers.
    expect(await portalState(portal)).toBe(before);
  });

  it('an invitation token that is too long or malformed is refused with 400 before the IdP', async () => {
    for (const value of ['x'.repeat(2049), '%00', '....', 'a.b.c', '<script>', '[]']) {
      const res = await fetch(`${portal.url}/invitations/accept?token=${encodeURIComponent(value)}`, {
        redirect: 'manual',
      });
      expect(res.status, value.slice(0, 10)).toBe(400);
    }
    const arrays = await fetch(`${portal.url}/invitations/accept?token=a&token=b`, { redirect: 'manual' });
    expect(arrays.status).toBe(400);
  });
});
