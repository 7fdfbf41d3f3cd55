import { setTimeout as sleep } from 'node:timers/promises';
import { Secret, TOTP } from 'otpauth';
import { expectStatus } from '../http-client.ts';
import type { BenchTotpAccount } from '../seed.ts';
import { csrfOf, type SignInProof, signIn, withPassword } from './code-flow.ts';
import type { Scenario } from './scenario.ts';

// RFC 6238 as the IdP's authenticator app: SHA-1, 6 digits, 30-second steps.
const PERIOD_MS = 30_000;

/**
 * 1. Password + authenticator app sign-in: the code flow of the password scenario with the
 * second step after the password (the code from the account's app), each time with a fresh
 * browser. The IdP accepts a code once per account and time step (RFC 6238 §5.2), so the accounts
 * (thousands, `Seed.totpAccounts`) are taken in turn and an account whose code of this step was
 * used waits for the next step: a pool large enough that nobody waits at the rates seen here.
 */
export const passwordTotpSignIn: Scenario = {
  id: 'password-totp-sign-in',
  number: 1,
  title: 'Password + authenticator app sign-in',
  users: 8,
  async prepare({ idp, seed }) {
    const apps = seed.totpAccounts.map(authenticatorApp);
    if (apps.length < this.users) throw new Error(`${this.users} virtual users need as many accounts`);
    let next = 0;
    const iteration = async () => {
      const app = apps[next++ % apps.length]!;
      await app.nextStep();
      await signIn(idp, seed.client, withPasswordAndCode(app.account, app.code));
    };
    return Array.from({ length: this.users }, () => iteration);
  },
};

/** The password form, then the second-step page's authenticator-app code form. */
function withPasswordAndCode(account: BenchTotpAccount, code: () => string): SignInProof {
  const password = withPassword(account);
  return async (page) => {
    const step = expectStatus(await password(page), 200, 'second-step page');
    const _csrf = csrfOf(step.body, '/second-step/code', 'second-step page');
    return page.post(`${page.path}/second-step/code`, { _csrf, code: code() });
  };
}

/** One account's app: its current code, and a wait until its next unused time step. */
function authenticatorApp(account: BenchTotpAccount) {
  const totp = new TOTP({ secret: Secret.fromBase32(account.totpSecret), algorithm: 'SHA1', digits: 6 });
  let lastStep = -1;
  return {
    account,
    async nextStep() {
      const wait = (lastStep + 1) * PERIOD_MS - Date.now();
      if (wait > 0) await sleep(wait);
    },
    code() {
      const now = Date.now();
      lastStep = Math.floor(now / PERIOD_MS);
      return totp.generate({ timestamp: now });
    },
  };
}
