import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { createOrganization } from '../../portal/organizations/organizations.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { csrfTokenOf, documentOf, linksOf, linkTo } from '../support/html-page.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { acceptBySigningUp, invitationLink, organizationAdmin } from '../support/portal-people.ts';
import { portalState } from '../support/portal-state.ts';

const XSS = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;';

/**
 * Hostile input at the portal's forms (oversized, malformed, unicode tricks, markup, header
 * injection) and the headers of every page (CSP without inline script, no framing, no referrer).
 */
describe('portal input and headers under attack', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: Awaited<ReturnType<typeof organizationAdmin>>;
  let formsUrl: string;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    admin = await organizationAdmin(idp, portal, 'Input Corp');
    formsUrl = `${portal.url}/accounts/${admin.organization.id}/professionals`;
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const token = async (browser: BrowserlessClient = admin.browser) =>
    csrfTokenOf((await browser.get(`${portal.url}/`)).html);
  const cookies = () =>
    ['portal_session', 'portal_csrf'].map((n) => `${n}=${admin.browser.cookie(portal.url, n)}`).join('; ');
  const rawPost = (
    url: string,
    body: string | Buffer | URLSearchParams,
    contentType = 'application/x-www-form-urlencoded',
  ) =>
    fetch(url, {
      method: 'POST',
      headers: { cookie: cookies(), 'content-type': contentType, accept: 'text/html' },
      body,
      redirect: 'manual',
    });

  describe('input', () => {
    it('an oversized form is refused with 413 and changes nothing', async () => {
      const before = await portalState(portal);
      const body = new URLSearchParams({
        _csrf: await token(),
        givenName: 'Big',
        familyName: 'Body',
        email: newPerson().email,
        jobTitle: 'x'.repeat(64 * 1024),
      });
      const res = await rawPost(formsUrl, body);
      expect(res.status).toBe(413);
      expect(await res.text()).toContain('The form is too large.');
      const backchannel = await rawPost(
        `${portal.url}/backchannel-logout`,
        `logout_token=${'x'.repeat(64 * 1024)}`,
      );
      expect(backchannel.status).toBe(413);
      expect(await portalState(portal)).toBe(before);
    });

    it('malformed bodies (bad encoding, deep nesting, JSON, XML, multipart, binary) never give a 500 and change nothing', async () => {
      const before = await portalState(portal);
      const csrf = await token();
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
          const res = await rawPost(url, body, type);
          expect(res.status, `${name} → ${url}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${name} → ${url}`).toBeLessThan(500);
          await res.arrayBuffer();
        }
      }
      expect(await portalState(portal)).toBe(before);
    });

    it('unicode tricks in e-mails (case, homoglyphs, Kelvin sign, NUL, CR/LF, invisible characters) are refused or matched exactly', async () => {
      const before = await portalState(portal);
      const csrf = await token();
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

    it('markup in every field is rendered back escaped on every page that shows it', async () => {
      const csrf = await token();
      const bad = await admin.browser.post(formsUrl, {
        _csrf: csrf,
        givenName: XSS,
        familyName: XSS,
        email: `${XSS}@example.com`,
        phone: XSS,
        jobTitle: XSS,
      });
      expect(bad.status).toBe(400);
      expectEscaped(bad, 4);
      const email = newPerson().email;
      const added = await admin.browser.post(formsUrl, {
        _csrf: csrf,
        givenName: XSS,
        familyName: XSS,
        email,
        phone: XSS.slice(0, 40),
        jobTitle: XSS,
      });
      expect(added.status).toBe(200);
      expectEscaped(added, 3);
      const id = /\/professionals\/([0-9a-f-]{36})\/edit$/.exec(linkTo(added, 'Edit'))![1]!;
      for (const path of [`/${id}/edit`, `/${id}/delete`])
        expectEscaped(await admin.browser.get(`${formsUrl}${path}`), 2);
      expectEscaped(await admin.browser.get(`${portal.url}/accounts/${admin.organization.id}`), 2);
    });

    it('markup in an organization name is escaped on every page and in the invitation mail', async () => {
      const person = newPerson();
      await createOrganization(portal.domain, {
        actor: SYSTEM_ACTOR,
        name: XSS,
        admin: { givenName: 'Org', familyName: 'Admin', email: person.email },
      });
      const mail = await idp.smtp.waitForMail((m) => m.to === person.email);
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).toContain(ESCAPED);
      const joined = await acceptBySigningUp(idp, await invitationLink(idp, portal, person.email), person);
      expectEscaped(joined.home, 1);
      const orgId = /\/org\/([0-9a-f-]{36})\/licensing$/.exec(linkTo(joined.home, 'Licensing'))![1]!;
      for (const path of [
        '/accounts',
        `/accounts/${orgId}`,
        `/org/${orgId}/licensing`,
        `/org/${orgId}/support`,
      ]) {
        expectEscaped(await joined.browser.get(`${portal.url}${path}`), 1);
      }
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

  describe('headers', () => {
    const expectHardened = (page: Page, label: string) => {
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp, label).toContain("script-src 'self'");
      expect(csp, label).toContain("default-src 'self'");
      expect(csp, label).toContain("frame-ancestors 'none'");
      expect(csp, label).toContain("object-src 'none'");
      expect(csp, label).toContain("base-uri 'none'");
      expect(csp, label).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(page.headers.get('x-frame-options'), label).toBe('DENY');
      expect(page.headers.get('x-content-type-options'), label).toBe('nosniff');
      expect(page.headers.get('referrer-policy'), label).toBe('no-referrer');
      // No inline script, event handler, javascript: URL or inline style the CSP would have to allow.
      for (const script of documentOf(page.html).querySelectorAll('script')) {
        expect(script.getAttribute('src'), label).toMatch(/^\/assets\//);
        expect(script.rawText, label).toBe('');
      }
      // Attribute values emptied first: escaped text inside a value="…" is data, not markup.
      const markup = page.html.replace(/"[^"]*"/g, '""');
      expect(markup, label).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
      expect(markup, label).not.toMatch(/<[^>]+\sstyle\s*=|<style\b/i);
      expect(page.html, label).not.toMatch(/(href|src|action)="\s*javascript:/i);
    };

    it('every page, for everyone, carries CSP without inline script and denies framing', async () => {
      const anonymous = browserlessClient();
      const members = await admin.browser.get(`${portal.url}/accounts/${admin.organization.id}`);
      const profileId = linksOf(members)
        .map((link) => /\/professionals\/([0-9a-f-]{36})$/.exec(link.href)?.[1])
        .find(Boolean)!;
      const pages: [BrowserlessClient, string][] = [
        [anonymous, '/'],
        [anonymous, '/extranet-login'],
        [anonymous, '/extranet-login?error=state'],
        [anonymous, '/nowhere'],
        [anonymous, '/auth/callback?state=forged&code=x'],
        [anonymous, '/invitations/accept?token=bad'],
        [admin.browser, '/'],
        [admin.browser, '/accounts'],
        [admin.browser, `/accounts/${admin.organization.id}`],
        [admin.browser, `/accounts/${admin.organization.id}/professionals/new`],
        [admin.browser, `/accounts/${admin.organization.id}/professionals/${profileId}`],
        [admin.browser, `/accounts/${admin.organization.id}/professionals/${profileId}/edit`],
        [admin.browser, `/accounts/${admin.organization.id}/professionals/${profileId}/delete`],
        [admin.browser, `/org/${admin.organization.id}/licensing`],
        [admin.browser, `/org/${admin.organization.id}/support`],
        [admin.browser, `/accounts/00000000-0000-0000-0000-000000000000`],
      ];
      for (const [browser, path] of pages) {
        const page = await browser.get(`${portal.url}${path}`);
        expect(page.url.startsWith(portal.url), path).toBe(true);
        expectHardened(page, path);
        expect(page.headers.get('cache-control'), path).toBe('no-store');
      }
      // Error answers too: a refused form, CSRF, an oversized body.
      expectHardened(await admin.browser.post(`${portal.url}/sign-out`, {}), 'CSRF refusal');
      expectHardened(
        await admin.browser.post(`${portal.url}/accounts/${admin.organization.id}/professionals`, {
          _csrf: await token(),
        }),
        'invalid form',
      );
      const redirect = await fetch(`${portal.url}/sign-in`, { redirect: 'manual' });
      expect(redirect.headers.get('x-frame-options')).toBe('DENY');
      expect(redirect.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    });

    it('HSTS only where the portal is served over https (proven in production mode by portal-sessions)', async () => {
      expect((await fetch(`${portal.url}/`)).headers.get('strict-transport-security')).toBeNull();
    });
  });
});

function expectEscaped(page: Page, atLeast: number) {
  expect(page.html).not.toContain('<script>alert');
  expect(page.html).not.toContain('<img src=x');
  expect(page.html.split(ESCAPED.slice(0, 30)).length - 1, page.url).toBeGreaterThanOrEqual(atLeast);
}
