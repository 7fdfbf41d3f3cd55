import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { claimInvitation } from '../../portal/invitations/claim-invitation.ts';
import { sendInvitation } from '../../portal/professionals/professionals.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import { signUpFields } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { captureLogs } from '../support/log-capture.ts';
import { type NewPerson, newPerson } from '../support/oidc-client.ts';
import { identityOf, tokenOf } from '../support/portal-domain.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import {
  acceptBySigningIn,
  acceptBySigningUp,
  invitationLink,
  usernameOf,
} from '../support/portal-people.ts';

/** Every line the loggers of this file's services write, from `trace` up. */
const logs = captureLogs();
const logged = logs.lines;

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e) => (isAppError(e) ? e.code : `unexpected: ${e}`),
  );

/**
 * Invitation links attacked: forged, tampered, expired, revoked, replayed, claimed by the wrong or
 * an unverified account, leaked through Referer or logs. Each is refused with its own message and
 * the invited professional stays exactly as it was.
 */
describe('portal invitations under attack', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(async () => {
    idp = await startTestIdp({}, { logger: logs.logger('idp') });
    portal = await startTestPortal(idp, {}, { logger: logs.logger('portal') });
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  const professional = async (email: string) =>
    (
      await portal.domain.orm.em
        .getConnection()
        .execute<{ id: string; status: string; idp_subject: string | null }[]>(
          'select id, status, idp_subject from portal.professional where email = ?',
          [email],
        )
    )[0]!;

  /** A new organization whose administrator `person` was just invited; the link from the mail. */
  const invite = async (
    name: string,
    person: NewPerson = newPerson({ givenName: 'In', familyName: name }),
  ) => {
    const { organization } = await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name,
      admin: { givenName: person.givenName, familyName: person.familyName, email: person.email },
    });
    const link = await invitationLink(idp, portal, person.email);
    return { person, organization, link, token: tokenOf(link) };
  };

  const open = (token: string) =>
    fetch(`${portal.url}/invitations/accept?token=${encodeURIComponent(token)}`, { redirect: 'manual' });

  const expectUntouched = async (email: string) =>
    expect(await professional(email)).toMatchObject({ status: 'invited', idp_subject: null });

  it('a forged link (right claims, another key) is refused before the IdP, and at the claim', async () => {
    const { token, person } = await invite('Forged Co');
    const claims = decodeJwt(token);
    const forged = await new SignJWT({ org: claims.org })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(String(claims.jti))
      .setIssuer(String(claims.iss))
      .setAudience(claims.aud as string)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('an attacker key of at least thirty-two bytes'));
    const res = await open(forged);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This invitation link is not valid');
    expect(
      await codeOf(claimInvitation(portal.domain, { token: forged, identity: identityOf(person.email) })),
    ).toBe('INVITATION_INVALID');
    await expectUntouched(person.email);
  });

  it('a tampered link (payload or signature changed, alg none, other algorithms) is refused', async () => {
    const { token, person } = await invite('Tampered Co');
    const other = await invite('Other Co');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const json = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const otherClaims = decodeJwt(other.token);
    const variants = {
      'org swapped': `${header}.${b64({ ...json, org: otherClaims.org })}.${signature}`,
      'jti swapped': `${header}.${b64({ ...json, jti: otherClaims.jti })}.${signature}`,
      'expiry extended': `${header}.${b64({ ...json, exp: json.exp + 3600 })}.${signature}`,
      'signature flipped': `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
      'signature removed': `${header}.${payload}.`,
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'alg HS512': `${b64({ alg: 'HS512', typ: 'JWT' })}.${payload}.${signature}`,
      'random jti': `${header}.${b64({ ...json, jti: randomUUID() })}.${signature}`,
    };
    for (const [name, bad] of Object.entries(variants)) {
      const res = await open(bad);
      expect(res.status, name).toBe(400);
      expect(await res.text(), name).toContain('This invitation link is not valid');
      expect(
        await codeOf(claimInvitation(portal.domain, { token: bad, identity: identityOf(person.email) })),
        name,
      ).toBe('INVITATION_INVALID');
    }
    await expectUntouched(person.email);
    await expectUntouched(other.person.email);
  });

  it('an expired link is refused after sign-in with what to do, and changes nothing', async () => {
    const { link, person } = await invite('Expired Co');
    await portal.domain.orm.em
      .getConnection()
      .execute(
        `update portal.invitation set expires_at = now() - interval '1 minute' where professional_id = ?`,
        [(await professional(person.email)).id],
      );
    const joined = await acceptBySigningUp(idp, link, person);
    expect(joined.home.status).toBe(410);
    expect(joined.home.html).toContain('This invitation has expired');
    await expectUntouched(person.email);
    expect((await joined.browser.get(`${portal.url}/`)).status).toBe(403);
  });

  it('a revoked link (a newer invitation was sent) is refused; the newer one works', async () => {
    const { link, person, organization } = await invite('Revoked Co');
    const id = (await professional(person.email)).id;
    const before = idp.smtp.messages.length;
    await sendInvitation(portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: organization.id,
      professionalId: id,
    });
    const newer = await invitationLink(idp, portal, person.email, before);
    const joined = await acceptBySigningUp(idp, link, person);
    expect(joined.home.status).toBe(410);
    expect(joined.home.html).toContain('replaced by a newer one');
    await expectUntouched(person.email);
    const fresh = await joined.browser.get(newer);
    expect(usernameOf(fresh)).toBe(`${person.givenName} ${person.familyName}`);
  });

  it('a replayed link: another account cannot claim what was claimed; the claimer again is a no-op', async () => {
    const { link, person } = await invite('Replayed Co');
    const joined = await acceptBySigningUp(idp, link, person);
    expect(joined.home.url).toBe(`${portal.url}/`);
    const claimed = await professional(person.email);
    expect(claimed.status).toBe('active');
    const thief = newPerson({ givenName: 'Thief' });
    const refused = await acceptBySigningUp(idp, link, thief);
    expect(refused.home.status).toBe(409);
    expect(refused.home.html).toContain('already been used by another account');
    expect(await professional(person.email)).toEqual(claimed);
    expect((await joined.browser.get(link)).url).toBe(`${portal.url}/`);
    expect(await professional(person.email)).toEqual(claimed);
  });

  it('an account whose verified e-mail differs is refused, even with the same name', async () => {
    const { link, person } = await invite('Wrong Account Co');
    const impostor = newPerson({ givenName: person.givenName, familyName: person.familyName });
    const refused = await acceptBySigningUp(idp, link, impostor);
    expect(refused.home.status).toBe(403);
    expect(refused.home.html).toContain('this invitation was sent to another address');
    await expectUntouched(person.email);
  });

  it('an unverified account cannot claim: the IdP will not sign it in, and an unverified e-mail claim is refused', async () => {
    const { link, person, token } = await invite('Unverified Co');
    const browser = browserlessClient();
    const signIn = await browser.get(link);
    const signUp = await browser.get(linkTo(signIn, 'Sign up now'));
    const verify = await browser.submit(signUp, signUpFields(person));
    expect(verify.html).toContain('Verify your e-mail');
    // Without the code from the mailbox, signing in with the password does not reach the portal.
    const again = await acceptBySigningIn(link, person);
    expect(again.url.startsWith(idp.issuer), again.url).toBe(true);
    await expectUntouched(person.email);
    // Another IdP (SIGN_IN_OPTIONS) saying email_verified=false: refused by the claim itself.
    const unverified = { ...identityOf(person.email, 'unverified-sub'), emailVerified: false };
    expect(await codeOf(claimInvitation(portal.domain, { token, identity: unverified }))).toBe(
      'INVITATION_EMAIL_NOT_VERIFIED',
    );
    await expectUntouched(person.email);
  });

  it('look-alike e-mails do not claim: Kelvin sign, Cyrillic homoglyph, NUL, trailing dot, plus-address', async () => {
    const person = newPerson({ email: `kate.${Date.now()}@example.com` });
    const { token } = await invite('Lookalike Co', person);
    for (const email of [
      person.email.replace('k', '\u212A'),
      person.email.replace('example', 'ex\u0430mple'),
      `${person.email}\u0000`,
      `${person.email}.`,
      person.email.replace('@', '+x@'),
      ` ${person.email}`,
    ]) {
      const identity = identityOf(email, `sub-${randomUUID()}`);
      expect(await codeOf(claimInvitation(portal.domain, { token, identity })), JSON.stringify(email)).toBe(
        'INVITATION_WRONG_ACCOUNT',
      );
    }
    await expectUntouched(person.email);
    // Upper case is the same address: that one may claim.
    const upper = identityOf(person.email.toUpperCase(), `sub-${randomUUID()}`);
    expect(await codeOf(claimInvitation(portal.domain, { token, identity: upper }))).toBe('resolved');
  });

  it('the link cannot leak: no-referrer on the claim answers, the token never reaches the IdP or a log', async () => {
    logged.length = 0;
    const { link, person, token } = await invite('Leak Co');
    const res = await open(token);
    expect(res.status).toBe(303);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const authorize = res.headers.get('location')!;
    expect(authorize.startsWith(idp.issuer)).toBe(true);
    expect(authorize).not.toContain(token);
    expect(authorize).not.toContain(token.split('.')[2]!);
    const bad = await open(`${token}x`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('referrer-policy')).toBe('no-referrer');
    const joined = await acceptBySigningUp(idp, link, newPerson({ givenName: 'Leaker' }));
    expect(joined.home.status).toBe(403);
    expect(joined.home.headers.get('referrer-policy')).toBe('no-referrer');
    expect(joined.home.html).toContain('<meta name="referrer" content="no-referrer">');
    for (const hop of joined.home.hops.slice(1)) expect(hop).not.toContain(token.split('.')[2]!);
    await acceptBySigningUp(idp, link, person);
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toContain(token.split('.')[2]!);
  });
});
