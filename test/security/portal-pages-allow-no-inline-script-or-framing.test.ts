import { beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { documentOf, linksOf } from '../support/html-page.ts';
import { inputCorpUnderAttack } from '../support/input-corp-under-attack.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import type { OrganizationAdmin } from '../support/portal-people.ts';

/**
 * The headers of every portal page, for everyone, error answers included (OWASP ASVS 5.0 V3): a CSP
 * without inline script, no framing, no referrer, no caching; no inline script, event handler,
 * javascript: URL or inline style in the markup; HSTS only over https.
 */
describe('portal pages allow no inline script and no framing', () => {
  const world = inputCorpUnderAttack();
  const { adminCsrfToken } = world;
  let portal: TestPortal;
  let admin: OrganizationAdmin;
  beforeAll(() => {
    ({ portal, admin } = world);
  });

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
        _csrf: await adminCsrfToken(),
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
