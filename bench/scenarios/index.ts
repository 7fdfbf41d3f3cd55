import { clientCredentials } from './client-credentials.ts';
import { introspection } from './introspection.ts';
import { passkeySignIn } from './passkey-sign-in.ts';
import { passwordSignIn } from './password-sign-in.ts';
import { passwordTotpSignIn } from './password-totp-sign-in.ts';
import { portalPages } from './portal-pages.ts';
import { refreshToken } from './refresh-token.ts';
import type { Scenario } from './scenario.ts';
import { userinfo } from './userinfo.ts';

/** The IdP's scenarios, in the order they run. */
export const idpScenarios: readonly Scenario[] = [
  passwordSignIn,
  passwordTotpSignIn,
  passkeySignIn,
  clientCredentials,
  refreshToken,
  userinfo,
  introspection,
];

/**
 * Scenario 5, gated portal pages for signed-in members: the portal in its own pinned process,
 * measured after the IdP's scenarios (the IdP then only signs the members in, and idles).
 */
export const portalScenario = portalPages;
