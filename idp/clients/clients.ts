import { randomBytes } from 'node:crypto';
import type { AdapterConstructor, ClientMetadata } from 'oidc-provider';
import { z } from 'zod';
import { AppError } from '../../adapters/http/errors.ts';

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
});

export type ClientRegistration = z.input<typeof registration>;

export interface RegisteredClient {
  readonly client_id: string;
  readonly client_secret: string;
}

/**
 * Register (or update) an app that signs people in with the IdP. Stored through the provider's
 * storage adapter, so every instance sees it. Redirect URIs are matched exactly by the provider.
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
    first_party: c.firstParty,
    ...(c.backchannelLogoutUri
      ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
  await new Adapter('Client').upsert(clientId, metadata as never, 0);
  return { client_id: clientId, client_secret: clientSecret };
}
