import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SESSION_IDLE_SECONDS } from '../../idp/provider/configuration.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { documentOf } from '../support/html-page.ts';
import { accountRow, isAccountPage, query, signUpAtIdp } from '../support/idp-account.ts';
import { idpHostileClient } from '../support/idp-hostile-client.ts';
import type { TestIdp } from '../support/idp-instance.ts';

/**
 * The IdP's sessions (OWASP ASVS 5.0 V7): a new session id at every sign-in, so a planted or earlier
 * one never holds the new account; the session lifetime honoured; sign-out ending the session on the
 * server, so a stolen cookie opens nothing after it.
 */
describe('IdP sessions are new at every sign-in and end on the server', () => {
  const hostile = idpHostileClient();
  const { realFetch, sentCookie } = hostile;
  let idp: TestIdp;
  beforeAll(() => {
    ({ idp } = hostile);
  });

  const sessionRow = async (id: string | undefined) =>
    (
      await query<{ account_id: string }>(
        idp,
        `select payload->>'accountId' as account_id from idp.oidc_payload where model = 'Session' and id = ?`,
        [id ?? ''],
      )
    )[0];

  const credentials = (p: { email: string; password: string }) => ({
    email: p.email,
    password: p.password,
  });

  it('gives a new session id on every sign-in, so a planted or earlier one never holds the new account', async () => {
    const browser = browserlessClient();
    const signIn = await browser.get(`${idp.issuer}/account`);
    const anonymous = browser.cookie(idp.issuer, '_session');
    const first = await signUpAtIdp(idp);
    const second = await signUpAtIdp(idp);
    expect(isAccountPage(await browser.submit(signIn, credentials(first.person), '/login'))).toBe(true);
    const firstId = browser.cookie(idp.issuer, '_session');
    expect(firstId).toBeDefined();
    expect(firstId).not.toBe(anonymous);

    // The same browser signs in as someone else (prompt=login): not in the first one's session.
    const again = await browser.get(
      `${idp.issuer}/auth?client_id=gatehouse-account&response_type=none&scope=openid&prompt=login` +
        `&redirect_uri=${encodeURIComponent(`${idp.issuer}/account`)}`,
    );
    let switched = await browser.submit(again, credentials(second.person), '/login');
    // oidc-provider first ends the first person's session with a page that submits itself: its
    // one inline script must be allowed by hash in the CSP, or a browser would stay on it.
    expect(switched.html).toContain('<title>Submitting Callback</title>');
    const script = documentOf(switched.html).querySelector('script:not([src])')!.rawText;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(switched.headers.get('content-security-policy')).toContain(`'sha256-${hash}'`);
    expect(switched.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    switched = await browser.submit(switched, {});
    expect(isAccountPage(switched)).toBe(true);
    expect(switched.html).toContain(second.person.email);
    const secondId = browser.cookie(idp.issuer, '_session');
    expect(secondId).not.toBe(firstId);
    expect((await sessionRow(firstId))?.account_id).not.toBe((await accountRow(idp, second.person.email)).id);
  });

  it('honours the session lifetime: a session past it opens nothing', async () => {
    const { browser } = await signUpAtIdp(idp);
    const id = browser.cookie(idp.issuer, '_session');
    const [row] = await query<{ ttl: number }>(
      idp,
      `select extract(epoch from expires_at - now())::int as ttl from idp.oidc_payload where model = 'Session' and id = ?`,
      [id],
    );
    // Idle window first (test/security/idp-session-lifetimes.test.ts covers the absolute cap).
    expect(row!.ttl).toBeGreaterThan(SESSION_IDLE_SECONDS - 60);
    expect(row!.ttl).toBeLessThanOrEqual(SESSION_IDLE_SECONDS);
    await query(
      idp,
      `update idp.oidc_payload set expires_at = now() - interval '1 second' where model = 'Session' and id = ?`,
      [id],
    );
    expect(isAccountPage(await browser.get(`${idp.issuer}/account`))).toBe(false);
  });

  it('ends the session server-side at sign-out: the old cookie opens nothing', async () => {
    const { browser } = await signUpAtIdp(idp);
    await browser.get(`${idp.issuer}/healthz`);
    const stolen = sentCookie.get(new URL(idp.issuer).origin)!;
    const id = browser.cookie(idp.issuer, '_session');
    expect(await sessionRow(id)).toBeDefined();
    const signOut = await browser.get(`${idp.issuer}/session/end?client_id=gatehouse-account`);
    await browser.submit(signOut, { logout: 'yes' }, '/session/end/confirm');
    expect(await sessionRow(id)).toBeUndefined();
    const replayed = await realFetch(`${idp.issuer}/account`, {
      headers: { cookie: stolen, accept: 'text/html' },
      redirect: 'manual',
    });
    expect(replayed.status).toBe(302);
    expect(replayed.headers.get('location')).toContain('/auth?');
  });
});
