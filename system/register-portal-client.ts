import type { Database } from '../adapters/db/database.ts';
import { serverSecret } from '../adapters/db/server-secrets.ts';
import { builtInOption, type Config } from '../config/config.ts';
import { portalClientUris } from '../config/portal-client-uris.ts';
import { registerClient } from '../idp/clients/clients.ts';
import { createOidcAdapter } from '../idp/storage/oidc-adapter.ts';

/**
 * Operator wiring for embedded defaults (`npm start`): register the portal at the built-in IdP
 * as a first-party client with its exact redirect, post-logout and back-channel logout URIs, and
 * return its secret (`PORTAL_CLIENT_SECRET`, or one kept by the IdP). At run time the portal
 * itself only ever talks to the IdP over OIDC.
 */
export async function registerPortalClient(idpOrm: Database, config: Config): Promise<string> {
  // The built-in IdP's entry of SIGN_IN_OPTIONS may name the client; by default it is PORTAL_CLIENT_*.
  const listed = builtInOption(config);
  const clientSecret =
    listed?.clientSecret ??
    config.PORTAL_CLIENT_SECRET ??
    (await serverSecret(idpOrm, 'idp', 'portal-client'));
  await registerClient(createOidcAdapter(idpOrm), {
    name: config.PORTAL_NAME,
    clientId: listed?.clientId ?? config.PORTAL_CLIENT_ID,
    clientSecret,
    ...portalClientUris(config.PORTAL_URL),
    firstParty: true,
  });
  return clientSecret;
}
