import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserlessClient } from '../../support/browserless-client.ts';
import { isAccountPage, query, signInAtIdp, signUpAtIdp } from '../../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../../support/idp-instance.ts';
import { authenticatorApp, secretOn, setUpAuthenticatorApp } from '../../support/second-factors.ts';

/** Make the account's sessions look signed in `minutes` ago (the account itself older still). */
async function signedInMinutesAgo(idp: TestIdp, email: string, minutes: number) {
  await query(idp, `update idp.account set sessions_valid_after = now() - interval '1 day' where email = ?`, [
    email,
  ]);
  await query(
    idp,
    `update idp.oidc_payload set payload = jsonb_set(payload, '{loginTs}', to_jsonb((extract(epoch from now()) - ?)::int))
      where model = 'Session' and payload->>'accountId' = (select id::text from idp.account where email = ?)`,
    [minutes * 60, email],
  );
}

describe('J14: Set up an authenticator app, and the second step it adds', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startTestIdp(
      {},
      { rateLimitRules: { secondStepByAccount: { points: 4, durationSeconds: 600, blockSeconds: 600 } } },
    );
  });
  afterAll(() => idp?.close());

  it('shows a QR code and the secret as text, and turns the app on only after a right code', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const setup = await browser.get(`${idp.issuer}/account/authenticator-app`);
    expect(setup.html).toContain('<svg');
    const secret = secretOn(setup);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const wrong = await browser.submit(
      setup,
      { code: '000000' === authenticatorApp(secret).code() ? '111111' : '000000' },
      '/account/authenticator-app',
    );
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('This code is not correct.');
    expect(secretOn(wrong)).toBe(secret);
    const [before] = await query<{ confirmed_at: Date | null }>(
      idp,
      'select confirmed_at from idp.authenticator_app a join idp.account u on u.id = a.account_id where u.email = ?',
      [person.email],
    );
    expect(before?.confirmed_at).toBeNull();

    const short = await browser.submit(wrong, { code: '123' }, '/account/authenticator-app');
    expect(short.status).toBe(400);
    expect(short.html).toContain('Enter the 6-digit code your authenticator app shows.');

    const done = await browser.submit(
      short,
      { code: authenticatorApp(secret).code() },
      '/account/authenticator-app',
    );
    expect(done.url).toBe(`${idp.issuer}/account?done=authenticator-app-added#security`);
    expect(done.html).toContain('Your authenticator app is set up.');
    const mail = await idp.smtp.waitForMail(
      (m) => m.to === person.email && m.subject === 'An authenticator app was set up for your account',
    );
    expect(mail.text).toContain('If it was not you');
  });

  it('after the password asks for the code; a right code signs in, and the same code is refused a second time', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const { app } = await setUpAuthenticatorApp(idp, browser);

    const fresh = browserlessClient();
    const step = await signInAtIdp(idp, person, fresh);
    expect(step.html).toContain('<h1>Two-step verification</h1>');
    expect(step.html).toContain('Enter the code from your authenticator app');
    expect(step.html).toContain('Use a recovery code');
    expect(isAccountPage(step)).toBe(false);
    // Not signed in before the second step: the account page still asks to sign in.
    const notYet = await fresh.get(`${idp.issuer}/account`);
    expect(notYet.html).toContain('<h1>Sign in</h1>');

    const again = await signInAtIdp(idp, person, fresh);
    // The setup consumed the current step; the next window's code is the next one accepted.
    const code = app.code(1);
    const account = await fresh.submit(again, { code }, '/second-step/code');
    expect(isAccountPage(account), account.html).toBe(true);

    const other = browserlessClient();
    const replayStep = await signInAtIdp(idp, person, other);
    const replay = await other.submit(replayStep, { code }, '/second-step/code');
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('This code was used already.');
    expect((await other.get(`${idp.issuer}/account`)).html).toContain('<h1>Sign in</h1>');
  });

  it('refuses a code of the wrong length or with letters, saying so, and signs nobody in', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    await setUpAuthenticatorApp(idp, browser);
    const fresh = browserlessClient();
    const step = await signInAtIdp(idp, person, fresh);
    for (const code of ['12345', '1234567', 'abcdef', '']) {
      const refused = await fresh.submit(step, { code }, '/second-step/code');
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('Enter the 6-digit code your authenticator app shows.');
    }
    expect((await fresh.get(`${idp.issuer}/account`)).html).toContain('<h1>Sign in</h1>');
  });

  it('limits wrong codes per account in PostgreSQL: once spent, even the right code waits', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const { app } = await setUpAuthenticatorApp(idp, browser);
    const fresh = browserlessClient();
    const step = await signInAtIdp(idp, person, fresh);
    const wrong = app.code(5);
    for (let i = 0; i < 4; i++)
      expect((await fresh.submit(step, { code: wrong }, '/second-step/code')).status).toBe(400);
    const locked = await fresh.submit(step, { code: app.code(1) }, '/second-step/code');
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBeTruthy();
    expect((await fresh.get(`${idp.issuer}/account`)).html).toContain('<h1>Sign in</h1>');
  });

  it('refuses the second-step forms of an interaction where no password was proved', async () => {
    const fresh = browserlessClient();
    const signIn = await fresh.get(`${idp.issuer}/account`);
    const action = /action="([^"]*)\/login"/.exec(signIn.html)?.[1];
    const refused = await fresh.post(new URL(`${action}/second-step/code`, signIn.url).toString(), {
      _csrf: /name="_csrf" value="([^"]*)"/.exec(signIn.html)?.[1] ?? '',
      code: '123456',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Sign in with your password first.');
  });

  it('removing the app needs a sign-in within 5 minutes, mails the owner, and the password alone signs in again', async () => {
    const { person, browser } = await signUpAtIdp(idp);
    const { done } = await setUpAuthenticatorApp(idp, browser);
    await signedInMinutesAgo(idp, person.email, 10);
    const stale = await browser.submit(done, {}, '/account/authenticator-app/remove');
    expect(stale.html).toContain('<h1>Sign in</h1>');
    const [still] = await query<{ n: number }>(
      idp,
      'select count(*)::int as n from idp.authenticator_app a join idp.account u on u.id = a.account_id where u.email = ?',
      [person.email],
    );
    expect(still?.n).toBe(1);

    const fresh = browserlessClient();
    const step = await signInAtIdp(idp, person, fresh);
    const [row] = await query<{ secret: string }>(
      idp,
      'select secret from idp.authenticator_app a join idp.account u on u.id = a.account_id where u.email = ?',
      [person.email],
    );
    const account = await fresh.submit(
      step,
      { code: authenticatorApp(row!.secret).code(1) },
      '/second-step/code',
    );
    expect(isAccountPage(account)).toBe(true);
    const removed = await fresh.submit(account, {}, '/account/authenticator-app/remove');
    expect(removed.url).toBe(`${idp.issuer}/account?done=authenticator-app-removed#security`);
    await idp.smtp.waitForMail(
      (m) => m.to === person.email && m.subject === 'The authenticator app was removed from your account',
    );
    expect(isAccountPage(await signInAtIdp(idp, person))).toBe(true);
  });
});
