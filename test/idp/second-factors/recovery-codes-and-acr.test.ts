import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../../support/browserless-client.ts';
import { isAccountPage, query, signInAtIdp, signUpAtIdp } from '../../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../../support/idp-instance.ts';
import { authorizationRequest, discoverAsApp, redeem, TEST_REDIRECT_URI } from '../../support/oidc-client.ts';
import { setUpAuthenticatorApp } from '../../support/second-factors.ts';

describe('J14: recovery codes, and the sign-in strength apps are told (acr, amr)', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
    await query(idp, `select 1`);
  });
  afterAll(() => idp?.close());

  async function recoveryCodes(browser: ReturnType<typeof browserlessClient>) {
    const account = await browser.get(`${idp.issuer}/account`);
    const page = await browser.submit(account, {}, '/account/recovery-codes');
    expect(page.html, page.html.slice(700, 1500)).toContain('<h1>Recovery codes</h1>');
    return [...page.html.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  }

  it('shows 10 codes once, stores only their hashes, and a new set replaces the old', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const first = await recoveryCodes(browser);
    expect(first).toHaveLength(10);
    expect(new Set(first).size).toBe(10);
    const rows = await query<{ code_hash: string }>(
      idp,
      'select code_hash from idp.recovery_code r join idp.account a on a.id = r.account_id where a.email = ?',
      [person.email],
    );
    expect(rows).toHaveLength(10);
    for (const code of first)
      expect(rows.map((r) => r.code_hash).join()).not.toContain(code.replace('-', ''));
    expect((await browser.get(`${idp.issuer}/account`)).html).toContain('10 unused.');
    await idp.smtp.waitForMail(
      (m) => m.to === person.email && m.subject === 'New recovery codes were created for your account',
    );

    const second = await recoveryCodes(browser);
    expect(second.some((code) => first.includes(code))).toBe(false);
  });

  it('a recovery code takes the second step once; used again, or of the wrong length, it is refused', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    await setUpAuthenticatorApp(idp, browser);
    const [code] = await recoveryCodes(browser);

    const fresh = browserlessClient();
    const step = await signInAtIdp(idp, person, fresh);
    const recovery = await fresh.get(
      new URL(/href="([^"]*\/second-step\/recovery)"/.exec(step.html)![1]!, step.url).toString(),
    );
    expect(recovery.html).toContain('<h1>Use a recovery code</h1>');
    const short = await fresh.submit(recovery, { recoveryCode: 'abc' }, '/second-step/recovery');
    expect(short.status).toBe(400);
    expect(short.html).toContain('A recovery code has 10 letters and digits, like abcde-12345.');
    const account = await fresh.submit(
      recovery,
      { recoveryCode: code!.toUpperCase() },
      '/second-step/recovery',
    );
    expect(isAccountPage(account), account.html).toBe(true);
    expect(account.html).toContain('9 unused.');

    const other = browserlessClient();
    const again = await fresh.get(`${idp.issuer}/account`);
    expect(isAccountPage(again)).toBe(true);
    const step2 = await signInAtIdp(idp, person, other);
    const recovery2 = await other.get(
      new URL(/href="([^"]*\/second-step\/recovery)"/.exec(step2.html)![1]!, step2.url).toString(),
    );
    const reused = await other.submit(recovery2, { recoveryCode: code! }, '/second-step/recovery');
    expect(reused.status).toBe(400);
    expect(reused.html).toContain('This recovery code is not correct or was used already.');
  });

  it('discovery lists acr_values_supported pwd, mfa, phr', async () => {
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
      acr_values_supported?: string[];
    };
    expect(discovery.acr_values_supported).toEqual(['pwd', 'mfa', 'phr']);
  });

  it('a password sign-in gives acr pwd and amr [pwd]; with the code step, acr mfa and amr [pwd, otp, mfa]', async () => {
    const config = await discoverAsApp(idp.issuer, app);
    const { person, browser } = await signUpAtIdp(idp);

    const plain = browserlessClient();
    plain.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    const signIn = await plain.get(request.url.toString());
    const consent = await plain.submit(signIn, { email: person.email, password: person.password }, '/login');
    const back = await plain.submit(consent, {}, '/confirm');
    const claims = (await redeem(config, request, back.url)).claims()!;
    expect(claims.acr).toBe('pwd');
    expect(claims.amr).toEqual(['pwd']);

    const { app: phone } = await setUpAuthenticatorApp(idp, browser);
    const twoStep = browserlessClient();
    twoStep.stopAt.push(TEST_REDIRECT_URI);
    const request2 = await authorizationRequest(config);
    const signIn2 = await twoStep.get(request2.url.toString());
    const step = await twoStep.submit(signIn2, { email: person.email, password: person.password }, '/login');
    const back2 = await twoStep.submit(step, { code: phone.code(1) }, '/second-step/code');
    const claims2 = (await redeem(config, request2, back2.url)).claims()!;
    expect(claims2.acr).toBe('mfa');
    expect(claims2.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('acr_values=mfa from a session signed in with a password alone asks for the second step only', async () => {
    const config = await discoverAsApp(idp.issuer, app);
    const { person, browser } = await signUpAtIdp(idp);
    const { app: phone } = await setUpAuthenticatorApp(idp, browser);

    // The browser that set the app up signed in with its password only: ask it for mfa.
    browser.stopAt.push(TEST_REDIRECT_URI);
    const stepUp = await authorizationRequest(config, { acr_values: 'mfa' });
    const page = await browser.get(stepUp.url.toString());
    expect(page.html).toContain('<h1>Two-step verification</h1>');
    expect(page.html).not.toContain('name="password"');
    const consent3 = await browser.submit(page, { code: phone.code(1) }, '/second-step/code');
    const back = consent3.html.includes('/confirm')
      ? await browser.submit(consent3, {}, '/confirm')
      : consent3;
    const claims = (await redeem(config, stepUp, back.url)).claims()!;
    expect(claims.acr).toBe('mfa');
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.email).toBe(person.email);
  });

  it('acr_values=mfa for a person with no second factor says so, with a link to set one up', async () => {
    const config = await discoverAsApp(idp.issuer, app);
    const { person } = await signUpAtIdp(idp);
    const b = browserlessClient();
    const request = await authorizationRequest(config, { acr_values: 'mfa' });
    const signIn = await b.get(request.url.toString());
    const told = await b.submit(signIn, { email: person.email, password: person.password }, '/login');
    expect(told.html).toContain('<h1>Two-step verification needed</h1>');
    expect(told.html).toContain(`href="/account#security"`);
  });

  it('a password reset leaves the second factors in place', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    await setUpAuthenticatorApp(idp, browser);
    const forgot = await browserlessClient().get(`${idp.issuer}/forgot-password`);
    const r = browserlessClient();
    await r.submit(await r.get(`${idp.issuer}/forgot-password`), { email: person.email }, '/forgot-password');
    const mail = await idp.smtp.waitForMail(
      (m) => m.to === person.email && m.subject === 'Reset your password',
    );
    const reset = await r.get(mail.links.find((l) => l.includes('reset'))!);
    await r.submit(reset, { newPassword: 'a new passphrase 42' });
    expect(forgot.status).toBe(200);
    const [row] = await query<{ n: number }>(
      idp,
      'select count(*)::int as n from idp.authenticator_app x join idp.account a on a.id = x.account_id where a.email = ? and x.confirmed_at is not null',
      [person.email],
    );
    expect(row?.n).toBe(1);
    const step = await signInAtIdp(idp, { email: person.email, password: 'a new passphrase 42' });
    expect(step.html).toContain('<h1>Two-step verification</h1>');
  });
});
