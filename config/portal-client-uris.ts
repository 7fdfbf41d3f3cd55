/** The URIs the IdP holds for the portal's client: redirect, post-logout and back-channel logout. */
export interface PortalClientUris {
  /** Where the IdP sends the browser back with the authorization code (`/auth/callback`). */
  readonly redirectUris: [string];
  /** Where the IdP may send the browser after an RP-initiated logout: the portal's home page. */
  readonly postLogoutRedirectUris: [string];
  /** Where the IdP posts a logout token when a sign-in ends (OIDC Back-Channel Logout 1.0 §2.2). */
  readonly backchannelLogoutUri: string;
}

/**
 * The portal's client URIs under its public URL (`PORTAL_URL`), in the shape of a client
 * registration. Whoever registers the portal at an IdP (system/, the bench, the tests) spreads them
 * into the registration; the portal sends the same ones in its requests, and the IdP matches them
 * exactly. Here, not under idp/ or portal/, because both sides need them and neither may import
 * the other.
 *
 * @example
 *   await registerClient(Adapter, { name, clientId, ...portalClientUris(config.PORTAL_URL) });
 */
export function portalClientUris(portalUrl: string): PortalClientUris {
  return {
    redirectUris: [`${portalUrl}/auth/callback`],
    postLogoutRedirectUris: [`${portalUrl}/`],
    backchannelLogoutUri: `${portalUrl}/backchannel-logout`,
  };
}
