import { signIn, withPassword } from './code-flow.ts';
import type { Scenario } from './scenario.ts';

/**
 * 1. Password sign-in: the whole authorization code flow per second, each time with a fresh
 * browser (no session to reuse), the accounts taken in turn. More users than libuv threads, so
 * argon2 is never idle waiting for the rest of the flow.
 */
export const passwordSignIn: Scenario = {
  id: 'password-sign-in',
  number: 1,
  title: 'Password sign-in (code flow + PKCE)',
  users: 8,
  comparedWithBare: true,
  async prepare({ idp, seed }) {
    let next = 0;
    const iteration = async () => {
      const account = seed.accounts[next++ % seed.accounts.length]!;
      await signIn(idp, seed.client, withPassword(account));
    };
    return Array.from({ length: this.users }, () => iteration);
  },
};
