import { expectStatus } from '../http-client.ts';
import { registerPasskeys } from '../seed-passkeys.ts';
import type { SoftwareAuthenticator } from '../software-authenticator.ts';
import { csrfOf, type SignInProof, signIn } from './code-flow.ts';
import type { Scenario } from './scenario.ts';

/**
 * 1. Passkey sign-in: the whole authorization code flow with "Sign in with a passkey" instead of
 * the password form (no e-mail, no password, no argon2), each time with a fresh browser. Every
 * passkey account gets its passkey first, over HTTP; each virtual user signs in with its own accounts only,
 * so an authenticator's signature counter reaches the IdP in order.
 */
export const passkeySignIn: Scenario = {
  id: 'passkey-sign-in',
  number: 1,
  title: 'Passkey sign-in (code flow + PKCE)',
  users: 16,
  async prepare({ idp, seed, issuer, mail }) {
    const mailBefore = mail.total();
    const authenticators = await registerPasskeys(idp, seed.client, issuer, seed.passkeyAccounts);
    // "A passkey was added to your account", one per account: delivered before the measurement.
    await mail.waitFor(mailBefore + authenticators.length);
    return Array.from({ length: this.users }, (_, user) => {
      const own = authenticators.filter((_, i) => i % this.users === user);
      if (own.length === 0) throw new Error(`${this.users} virtual users need as many accounts`);
      let next = 0;
      return async () => {
        await signIn(idp, seed.client, withPasskey(own[next++ % own.length]!));
      };
    });
  },
};

/**
 * The sign-in page's passkey form as the IdP's script drives it: its options URL with the form's
 * CSRF token (a challenge bound to this interaction), the authenticator's assertion, the form.
 */
function withPasskey(authenticator: SoftwareAuthenticator): SignInProof {
  return async (page) => {
    const _csrf = csrfOf(page.html, '/passkey', 'sign-in page');
    const options = expectStatus(
      await page.post(`${page.path}/passkey/options`, { _csrf }),
      200,
      'passkey options',
    );
    const response = JSON.stringify(authenticator.signIn(JSON.parse(options.body)));
    return page.post(`${page.path}/passkey`, { _csrf, response });
  };
}
