import { randomBytes } from 'node:crypto';
import type { AdapterConstructor, ClientMetadata } from 'oidc-provider';
import { z } from 'zod';
import { AppError } from '../../adapters/http/errors.ts';
import { SIGNING_ALGS } from '../keys/signing-keys.ts';

/** The IdP's own account-settings pages, registered statically in the provider configuration. */
export const ACCOUNT_CLIENT_ID = 'gatehouse-account';

/** Apps the operator vouches for: their users are not asked for consent. */
export function isFirstParty(client: { metadata(): ClientMetadata }): boolean {
  return client.metadata().first_party === true;
}

/**
 * Client metadata only the operator sets (`client add`): the ids of the apps whose tokens this
 * client, a resource server, may introspect (RFC 7662 §4). Dynamic registration refuses it.
 */
export const INTROSPECTS_FOR = 'introspects_for';

/**
 * RFC 7662 §2.2, §4 (DESIGN: a client introspects only its own tokens): a client learns
 * about a token only when it was issued to it, or to an app the operator named it a resource
 * server for. Anyone else gets `{"active": false}`, as for an unknown token. Reads the metadata
 * the provider already holds: no query.
 */
export function mayIntrospect(
  caller: { clientId: string; metadata(): ClientMetadata },
  tokenClientId: string | undefined,
): boolean {
  if (tokenClientId === undefined) return false;
  if (caller.clientId === tokenClientId) return true;
  const named = caller.metadata()[INTROSPECTS_FOR];
  return Array.isArray(named) && named.includes(tokenClientId);
}

/**
 * RFC 7009 §2.1: a client revokes only its own tokens. Another app's token is left alone and
 * answered as an invalid token is (§2.2: 200), so the answer tells nothing about it.
 */
export function mayRevoke(caller: { clientId: string }, tokenClientId: string | undefined): boolean {
  return caller.clientId === tokenClientId;
}

const CLIENT_ID = /^[\w.-]{3,64}$/;

const registration = z.object({
  name: z.string().trim().min(1).max(100),
  clientId: z.string().regex(CLIENT_ID).optional(),
  clientSecret: z.string().min(32).optional(),
  redirectUris: z.array(z.url({ protocol: /^https?$/ })).min(1),
  postLogoutRedirectUris: z.array(z.url({ protocol: /^https?$/ })).default([]),
  backchannelLogoutUri: z.url({ protocol: /^https?$/ }).optional(),
  firstParty: z.boolean().default(false),
  /** The apps whose tokens this one may introspect, as their resource server. */
  introspectsFor: z
    .array(z.string().regex(CLIENT_ID, 'Enter the client_id of a registered app.'))
    .default([]),
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
    ...(c.introspectsFor.length > 0 ? { [INTROSPECTS_FOR]: c.introspectsFor } : {}),
    ...(c.backchannelLogoutUri
      ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
  await new Adapter('Client').upsert(clientId, metadata as never, 0);
  return { client_id: clientId, client_secret: clientSecret };
}
