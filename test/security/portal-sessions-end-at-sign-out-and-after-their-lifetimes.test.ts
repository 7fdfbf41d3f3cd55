import { beforeAll, describe, expect, it } from 'vitest';
import type { TestIdp } from '../support/idp-instance.ts';
import type { TestPortal } from '../support/portal-instance.ts';
import { usernameOf } from '../support/portal-people.ts';
import { portalSessionsUnderAttack } from '../support/portal-sessions-under-attack.ts';

/**
 * The end of a portal session: sign-out deletes it on the server, a foreign token posted as a
 * back-channel logout ends nothing, an hour unused or eight hours after sign-in it is over, and a
 * cookie that is not one of ours opens nothing.
 */
describe('portal sessions end at sign-out and after their lifetimes', () => {
  const world = portalSessionsUnderAttack();
  const { portalSessionRow, signedInAs, signInAsMember, sql, sessionIdHash } = world;
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(() => {
    ({ idp, portal } = world);
  });

  it('sign-out ends the session server-side: the row is deleted and the old cookie is worthless', async () => {
    const { browser, home, cookie } = await signInAsMember();
    expect(usernameOf(home)).toBe('Admin Sessions Inc');
    expect(await portalSessionRow(cookie)).toBeDefined();
    browser.stopAt.push(`${idp.issuer}/`);
    const out = await browser.submit(home, {}, '/sign-out');
    expect(out.url.startsWith(`${idp.issuer}/session/end`)).toBe(true);
    expect(await portalSessionRow(cookie)).toBeUndefined();
    expect(await signedInAs(cookie)).toBeUndefined();
    expect(browser.cookie(portal.url, 'portal_session')).toBeUndefined();
    // Sign-out is a POST with the CSRF token: a link or an image cannot sign anyone out.
    expect((await fetch(`${portal.url}/sign-out`, { redirect: 'manual' })).status).toBe(405);
  });

  it('cross-JWT confusion: the portal’s own ID token posted as a back-channel logout token ends no session', async () => {
    const { cookie } = await signInAsMember();
    const idToken = String(((await portalSessionRow(cookie))!.data.signedIn as { idToken: string }).idToken);
    expect(idToken.split('.')).toHaveLength(3);
    const res = await fetch(`${portal.url}/backchannel-logout`, {
      method: 'POST',
      body: new URLSearchParams({ logout_token: idToken }),
    });
    expect(res.status).toBe(400);
    expect(await signedInAs(cookie)).toBe('Admin Sessions Inc');
  });

  it('idle lifetime: a session unused for an hour is over, and the row is gone', async () => {
    const { cookie } = await signInAsMember();
    const row = (await portalSessionRow(cookie))!;
    expect(new Date(row.expires_at).getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    await sql(
      `update portal.portal_session set data = jsonb_set(data, '{seenAt}', to_jsonb(?::bigint)) where id_hash = ?`,
      [Date.now() - 3601_000, sessionIdHash(cookie)],
    );
    expect(await signedInAs(cookie)).toBeUndefined();
    expect(await portalSessionRow(cookie)).toBeUndefined();
  });

  it('idle lifetime slides with use: a request within the hour keeps the session and moves its deadline', async () => {
    const { cookie } = await signInAsMember();
    const seenAt = Date.now() - 59 * 60_000;
    await sql(
      `update portal.portal_session set data = jsonb_set(data, '{seenAt}', to_jsonb(?::bigint)) where id_hash = ?`,
      [seenAt, sessionIdHash(cookie)],
    );
    expect(await signedInAs(cookie)).toBe('Admin Sessions Inc');
    const row = (await portalSessionRow(cookie))!;
    expect(Number(row.data.seenAt)).toBeGreaterThan(seenAt + 58 * 60_000);
    expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
  });

  it('absolute lifetime: eight hours after sign-in the session is over, however active', async () => {
    const { cookie } = await signInAsMember();
    await sql(
      `update portal.portal_session set data = jsonb_set(data, '{createdAt}', to_jsonb(?::bigint)) where id_hash = ?`,
      [Date.now() - 8 * 3600_000 - 1000, sessionIdHash(cookie)],
    );
    expect(await signedInAs(cookie)).toBeUndefined();
    expect(await portalSessionRow(cookie)).toBeUndefined();
  });

  it('a session cookie that is not one of ours (guessed, too long, injected) is ignored', async () => {
    for (const value of ['a'.repeat(43), 'x', `${'a'.repeat(43)}; evil=1`, "' or 1=1 --", 'a'.repeat(5000)]) {
      const res = await fetch(`${portal.url}/accounts`, {
        redirect: 'manual',
        headers: { cookie: `portal_session=${encodeURIComponent(value)}` },
      });
      expect(res.status, value.slice(0, 20)).toBe(303);
      expect(res.headers.get('location')).toBe('/sign-in?returnTo=%2Faccounts');
    }
  });
});
