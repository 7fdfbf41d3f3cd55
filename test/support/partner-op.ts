import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { closeServer } from '../../adapters/http/close-server.ts';
import { portalClientUris } from '../../config/portal-client-uris.ts';

/** A person with a login at the partner's provider; `emailVerified` unset: the claim is left out. */
export interface PartnerAccount {
  readonly email: string;
  readonly name: string;
  readonly emailVerified?: boolean;
}

/**
 * A second, independent OpenID Provider, as a partner's tenant (Entra, Keycloak…) stands beside the
 * built-in IdP: bare `oidc-provider` with its memory adapter and its own issuer and RS256 keys, a
 * login page that takes any password (oidc-provider's development interactions: `login` is the
 * account id), and the portal registered as a client that must authenticate with
 * `client_secret_post`. Its people are `accounts`, keyed by login.
 */
export interface PartnerOp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Add a person who can sign in with `login` (any password). */
  addAccount(login: string, account: PartnerAccount): void;
  /**
   * A logout token for the portal as a provider would post it (Back-Channel Logout 1.0 §2.4),
   * signed with this provider's key; `typ` unset: no `typ` header (explicit typing is a SHOULD).
   */
  logoutToken(
    claims: { sub?: string; sid?: string },
    options?: { typ?: string; iat?: number },
  ): Promise<string>;
  /** Any claims as a JWT signed with this provider's key (an ID token posted as a logout token…). */
  signed(claims: Record<string, unknown>, typ?: string): Promise<string>;
  close(): Promise<void>;
}

/** The `SIGN_IN_OPTIONS` entry that points the portal at this provider. */
export function partnerOption(op: PartnerOp, label = 'Fabrikam Partner Network') {
  return {
    id: 'fabrikam',
    label,
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    tokenEndpointAuthMethod: 'client_secret_post',
  };
}

export async function startPartnerOp(portalUrl: string): Promise<PartnerOp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  const clientId = 'customersource-at-fabrikam';
  const clientSecret = randomBytes(32).toString('base64url');
  const accounts = new Map<string, PartnerAccount>();
  const uris = portalClientUris(portalUrl);
  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [...uris.redirectUris],
        post_logout_redirect_uris: [...uris.postLogoutRedirectUris],
        // The portal must send its secret in the form: Basic credentials are refused.
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Like the providers people use (Entra, Keycloak): the scopes' claims in the ID token too.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            name: account.name,
            ...(account.emailVerified === undefined ? {} : { email_verified: account.emailVerified }),
          };
        },
      };
    },
  };
  const signed = (claims: Record<string, unknown>, typ?: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, ...(typ ? { typ } : {}) })
      .sign(privateKey);
  const provider = new Provider(issuer, configuration);
  const server: Server = createServer(provider.callback());
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    issuer,
    clientId,
    clientSecret,
    addAccount: (login, account) => void accounts.set(login, account),
    async logoutToken(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return signed(
        {
          ...claims,
          iss: issuer,
          aud: clientId,
          iat: options.iat ?? now,
          jti: randomUUID(),
          events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        },
        options.typ,
      );
    },
    signed,
    close: () => closeServer(server),
  };
}
