import { clientCredentials } from './client-credentials.ts';
import { introspection } from './introspection.ts';
import { passwordSignIn } from './password-sign-in.ts';
import { refreshToken } from './refresh-token.ts';
import type { Scenario } from './scenario.ts';
import { userinfo } from './userinfo.ts';

/**
 * The IdP's scenarios, in the order they run. Scenario 5 (gated portal pages per second for
 * signed-in members, p50/p99) joins when the portal is benchmarked: a second service process
 * pinned like the IdP, its own scenario list, and its own row in the memory figures (6).
 */
export const idpScenarios: readonly Scenario[] = [
  passwordSignIn,
  clientCredentials,
  refreshToken,
  userinfo,
  introspection,
];
