import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';

/** A mistyped URL at the IdP: the IdP's own error page, not Koa's plain "Not Found". */
describe('a path the IdP does not have', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());

  it('answers a browser with the error page: 404, the layout, the security headers and CSP', async () => {
    const res = await fetch(`${idp.issuer}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<link rel="stylesheet" href="/assets/app.css">');
    expect(html).toContain('This page does not exist.');
    expect(html).toContain('href="/terms"');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a client that asks for JSON with a JSON error', async () => {
    for (const path of ['/no-such-page', '/account/no-such-page']) {
      const res = await fetch(`${idp.issuer}${path}`, { headers: { accept: 'application/json' } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(await res.json(), path).toEqual({
        error: 'NOT_FOUND',
        error_description: 'This page does not exist.',
      });
    }
  });

  it('leaves the errors of oidc-provider’s own endpoints as they were', async () => {
    const token = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up' }),
    });
    expect(token.status).toBe(400);
    expect(await token.json()).toEqual({
      error: 'invalid_request',
      error_description: 'no client authentication mechanism provided',
    });
    const userinfo = await fetch(`${idp.issuer}/me`, { headers: { accept: 'application/json' } });
    expect(userinfo.status).toBe(401);
    expect(await userinfo.json()).toEqual({
      error: 'invalid_token',
      error_description: 'no access token provided',
    });
    const resume = await fetch(`${idp.issuer}/auth/no-such-interaction`, {
      headers: { accept: 'text/html' },
    });
    expect(resume.status).toBe(400);
    const html = await resume.text();
    expect(html).toContain('<title>Sign-in problem');
    expect(html).not.toContain('This page does not exist.');
  });
});
