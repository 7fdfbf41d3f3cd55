import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softwareAuthenticator } from '../../../bench/software-authenticator.ts';
import { browserlessClient } from '../../support/browserless-client.ts';
import { isAccountPage, query, signInAtIdp, signUpAtIdp } from '../../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../../support/idp-instance.ts';
import { authorizationRequest, discoverAsApp, redeem, TEST_REDIRECT_URI } from '../../support/oidc-client.ts';
import { addPasskey, passkeyOptionsOf, signInWithPasskey } from '../../support/second-factors.ts';

describe('J14: Add a passkey, and Sign in with a passkey', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp?.close());

  const passkeyCount = async (email: string) => {
    const [row] = await query<{ n: number }>(
      idp,
      'select count(*)::int as n from idp.passkey p join idp.account a on a.id = p.account_id where a.email = ?',
      [email],
    );
    return row?.n ?? 0;
  };

  it('adds a discoverable passkey with user verification, lists it, mails the owner', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const page = await browser.get(`${idp.issuer}/account/passkeys/new`);
    const options = await passkeyOptionsOf(browser, page, '/account/passkeys');
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    expect(options.rp.id).toBe('127.0.0.1');

    const added = await addPasskey(idp, browser, softwareAuthenticator(idp.issuer), 'Work laptop');
    expect(added.url).toBe(`${idp.issuer}/account?done=passkey-added#security`);
    expect(added.html).toContain('<strong>Work laptop</strong>, added ');
    expect(added.html).toContain('not used yet');
    await idp.smtp.waitForMail(
      (m) => m.to === person.email && m.subject === 'A passkey was added to your account',
    );
  });

  it('signs in with a passkey alone (no e-mail, no password): acr phr, amr hwk user mfa; last use shown', async () => {
    const app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
    const config = await discoverAsApp(idp.issuer, app);
    const authenticator = softwareAuthenticator(idp.issuer);
    const { person, browser } = await signUpAtIdp(idp);
    await addPasskey(idp, browser, authenticator);

    const fresh = browserlessClient();
    fresh.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const signIn = await fresh.get(request.url.toString());
    expect(signIn.html).toContain('Sign in with a passkey');
    expect(signIn.html).toContain('autocomplete="username webauthn"');
    const consent = await signInWithPasskey(fresh, signIn, (options) => authenticator.signIn(options));
    const back = await fresh.submit(consent, {}, '/confirm');
    const claims = (await redeem(config, request, back.url)).claims()!;
    expect(claims.email).toBe(person.email);
    expect(claims.acr).toBe('phr');
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    expect((await fresh.get(`${idp.issuer}/account`)).html).toContain('last used ');
  });

  it('refuses a replayed, tampered, foreign-origin, wrong-RP-ID or unverified answer, and an unknown passkey', async () => {
    const authenticator = softwareAuthenticator(idp.issuer);
    const { browser } = await signUpAtIdp(idp);
    await addPasskey(idp, browser, authenticator);

    const attempt = async (answer: Parameters<typeof signInWithPasskey>[2]) => {
      const fresh = browserlessClient();
      const signIn = await fresh.get(`${idp.issuer}/account`);
      const refused = await signInWithPasskey(fresh, signIn, answer);
      expect((await fresh.get(`${idp.issuer}/account`)).html).toContain('<h1>Sign in</h1>');
      return refused;
    };
    const refusedWith = async (answer: Parameters<typeof signInWithPasskey>[2], message: string) => {
      const refused = await attempt(answer);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(message);
    };
    const REFUSED = 'The passkey could not be verified.';

    await refusedWith((o) => authenticator.signIn(o, { origin: 'https://evil.example' }), REFUSED);
    await refusedWith((o) => authenticator.signIn(o, { rpId: 'evil.example' }), REFUSED);
    await refusedWith((o) => authenticator.signIn(o, { userVerified: false }), REFUSED);
    await refusedWith((o) => {
      const answer = authenticator.signIn(o) as { response: { signature: string } };
      const sig = Buffer.from(answer.response.signature, 'base64url');
      sig[sig.length - 1]! ^= 1;
      answer.response.signature = sig.toString('base64url');
      return answer;
    }, REFUSED);
    await refusedWith(
      (o) => softwareAuthenticator(idp.issuer).signIn(o),
      'This passkey is not registered with any account here.',
    );
    await refusedWith(() => ({ id: 'x' }), REFUSED);

    // A genuine answer works once; sent again (its challenge consumed), it is refused.
    const fresh = browserlessClient();
    const signIn = await fresh.get(`${idp.issuer}/account`);
    let first: Record<string, unknown> | undefined;
    const account = await signInWithPasskey(fresh, signIn, (o) => {
      first = authenticator.signIn(o);
      return first;
    });
    expect(isAccountPage(account)).toBe(true);
    const replayer = browserlessClient();
    const replayPage = await replayer.get(`${idp.issuer}/account`);
    await refusedWith(() => first!, REFUSED);
    void replayPage;
  });

  it('refuses a registration answer for a foreign origin, a wrong RP ID, without user verification, or replayed', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const tryAdd = async (
      bend: Parameters<ReturnType<typeof softwareAuthenticator>['register']>[1],
      reuse?: Record<string, unknown>,
    ) => {
      const page = await browser.get(`${idp.issuer}/account/passkeys/new`);
      const options = await passkeyOptionsOf(browser, page, '/account/passkeys');
      const response = JSON.stringify(reuse ?? softwareAuthenticator(idp.issuer).register(options, bend));
      return browser.submit(page, { name: 'Phone', response }, '/account/passkeys');
    };
    for (const bend of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { userVerified: false },
    ]) {
      const refused = await tryAdd(bend);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('The passkey could not be verified.');
    }
    expect(await passkeyCount(person.email)).toBe(0);

    const page = await browser.get(`${idp.issuer}/account/passkeys/new`);
    const options = await passkeyOptionsOf(browser, page, '/account/passkeys');
    const answer = softwareAuthenticator(idp.issuer).register(options);
    const ok = await browser.submit(
      page,
      { name: 'Phone', response: JSON.stringify(answer) },
      '/account/passkeys',
    );
    expect(ok.url).toContain('done=passkey-added');
    const replayed = await tryAdd({}, answer);
    expect(replayed.status).toBe(400);
    expect(await passkeyCount(person.email)).toBe(1);

    const noName = await tryAdd({}, undefined).then(async () => {
      const p = await browser.get(`${idp.issuer}/account/passkeys/new`);
      const o = await passkeyOptionsOf(browser, p, '/account/passkeys');
      return browser.submit(
        p,
        { name: '  ', response: JSON.stringify(softwareAuthenticator(idp.issuer).register(o)) },
        '/account/passkeys',
      );
    });
    expect(noName.status).toBe(400);
    expect(noName.html).toContain('Give the passkey a name');
  });

  it('renames and removes a passkey (removal mailed); a passkey is a second step after the password', async () => {
    const authenticator = softwareAuthenticator(idp.issuer);
    const { person, browser } = await signUpAtIdp(idp);
    const added = await addPasskey(idp, browser, authenticator, 'Old name');
    const id = /\/account\/passkeys\/([0-9a-f-]{36})\/rename/.exec(added.html)![1]!;

    const renamed = await browser.submit(added, { name: 'Desk key' }, `/account/passkeys/${id}/rename`);
    expect(renamed.html).toContain('<strong>Desk key</strong>');
    const tooLong = await browser.submit(renamed, { name: 'x'.repeat(61) }, `/account/passkeys/${id}/rename`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.html).toContain('Keep the name to 60 characters.');

    const fresh = browserlessClient();
    const step = await signInAtIdp(idp, person, fresh);
    expect(step.html).toContain('<h1>Two-step verification</h1>');
    expect(step.html).toContain('Use a passkey');
    const account = await signInWithPasskey(fresh, step, (o) => authenticator.signIn(o));
    expect(isAccountPage(account), account.html).toBe(true);

    const removed = await fresh.submit(account, {}, `/account/passkeys/${id}/remove`);
    expect(removed.url).toContain('done=passkey-removed');
    expect(await passkeyCount(person.email)).toBe(0);
    await idp.smtp.waitForMail(
      (m) => m.to === person.email && m.subject === 'A passkey was removed from your account',
    );
    const unknown = await fresh.post(`${idp.issuer}/account/passkeys/${id}/remove`, {
      _csrf: /name="_csrf" value="([^"]*)"/.exec(removed.html)![1]!,
    });
    expect(unknown.status).toBe(404);
  });
});
