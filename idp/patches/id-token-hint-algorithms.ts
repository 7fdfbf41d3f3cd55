import { decodeProtectedHeader } from 'jose';
import type { default as Provider } from 'oidc-provider';
import { SIGNING_ALGS, type SigningAlg } from '../keys/signing-keys.ts';

/**
 * oidc-provider checks an `id_token_hint` (RP-initiated logout) only against the client's current
 * `id_token_signed_response_alg`: once an app is re-registered with another algorithm (the portal,
 * RS256 before ES256 existed, re-registered at every start), signing out of a session from before
 * would be refused and the IdP session would stay. A hint signed with any of our algorithms is
 * still our own token, verified against our keys.
 *
 * Written against oidc-provider 9.13.3. It replaces the static `provider.IdToken.validate(jwt,
 * client)` (lib/models/id_token.js, called by actions/end_session.js and the authorization
 * endpoint's claims check), which reads the algorithm from `client.idTokenSignedResponseAlg`: the
 * hint's own algorithm is put there, on an object inheriting the rest of the client.
 * test/idp/library-patches.test.ts fails if either changes.
 */
export function acceptIdTokenHintsOfEveryAlg(provider: Provider): void {
  const validate = provider.IdToken.validate.bind(provider.IdToken);
  provider.IdToken.validate = (jwt, client) => {
    const alg = headerAlg(jwt);
    if (!alg || alg === client.metadata().id_token_signed_response_alg) return validate(jwt, client);
    return validate(jwt, Object.create(client, { idTokenSignedResponseAlg: { value: alg } }));
  };
}

function headerAlg(jwt: string): SigningAlg | undefined {
  try {
    const { alg } = decodeProtectedHeader(jwt);
    return SIGNING_ALGS.find((a) => a === alg);
  } catch {
    return undefined; // the provider's own validation refuses it
  }
}
