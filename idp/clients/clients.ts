import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import type { AdapterConstructor, ClientMetadata, default as Provider } from 'oidc-provider';
import { z } from 'zod';
import { AppError } from '../../adapters/http/errors.ts';
import { SIGNING_ALGS, type SigningAlg } from '../keys/signing-keys.ts';

/** The IdP's own account-settings pages, registered statically in the provider configuration. */
export const ACCOUNT_CLIENT_ID = 'gatehouse-account';

/** Apps the operator vouches for: their users are not asked for consent. */
export function isFirstParty(client: { metadata(): ClientMetadata }): boolean {
  return client.metadata().first_party === true;
}

const registration = z.object({
  name: z.string().trim().min(1).max(100),
  clientId: z
    .string()
    .regex(/^[\w.-]{3,64}$/)
    .optional(),
  clientSecret: z.string().min(32).optional(),
  redirectUris: z.array(z.url({ protocol: /^https?$/ })).min(1),
  postLogoutRedirectUris: z.array(z.url({ protocol: /^https?$/ })).default([]),
  backchannelLogoutUri: z.url({ protocol: /^https?$/ }).optional(),
  firstParty: z.boolean().default(false),
  authMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  /** Unset: ES256 for first-party apps, RS256 (what every OpenID Connect library accepts) for others. */
  idTokenAlg: z.enum(SIGNING_ALGS).optional(),
});

export type ClientRegistration = z.input<typeof registration>;

export interface RegisteredClient {
  readonly client_id: string;
  readonly client_secret: string;
}

/**
 * Register (or update) an app that signs people in with the IdP. Stored through the provider's
 * storage adapter, so every instance sees it. Redirect URIs are matched exactly by the provider.
 * First-party apps get ES256 ID tokens (and back-channel logout tokens, signed alike), several
 * times cheaper to sign than RS256; apps that register themselves keep the RS256 default of
 * OpenID Connect Dynamic Client Registration.
 */
export async function registerClient(
  Adapter: AdapterConstructor,
  input: ClientRegistration,
): Promise<RegisteredClient> {
  const parsed = registration.safeParse(input);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message]));
    throw new AppError('INVALID_INPUT', 400, 'The client registration is not valid.', { fields });
  }
  const c = parsed.data;
  const clientId = c.clientId ?? randomBytes(12).toString('base64url');
  const clientSecret = c.clientSecret ?? randomBytes(32).toString('base64url');
  const metadata: ClientMetadata = {
    client_id: clientId,
    client_secret: clientSecret,
    client_name: c.name,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_method: c.authMethod,
    id_token_signed_response_alg: c.idTokenAlg ?? (c.firstParty ? 'ES256' : 'RS256'),
    first_party: c.firstParty,
    ...(c.backchannelLogoutUri
      ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
  await new Adapter('Client').upsert(clientId, metadata as never, 0);
  return { client_id: clientId, client_secret: clientSecret };
}

/**
 * oidc-provider checks an `id_token_hint` (RP-initiated logout) only against the client's current
 * `id_token_signed_response_alg`: once an app is re-registered with another algorithm (the portal,
 * RS256 before ES256 existed, re-registered at every start), signing out of a session from before
 * would be refused and the IdP session would stay. A hint signed with any of our algorithms is
 * still our own token, verified against our keys.
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
