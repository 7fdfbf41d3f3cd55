import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Views } from '../../adapters/http/views.ts';
import {
  ACCOUNT_CLIENT_ID,
  INTROSPECTS_FOR,
  isFirstParty,
  mayIntrospect,
  mayRevoke,
} from '../clients/clients.ts';
import { fetchWithoutSsrfGuard } from '../patches/fetch-without-ssrf-guard.ts';
import { ACR_VALUES, signInStrengthPolicy } from './sign-in-strength.ts';

/** Lifetimes, in seconds. ID tokens bound the signing-key retention (keys/signing-keys.ts). */
export const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  RefreshToken: 14 * 24 * 3600,
  ClientCredentials: 600,
  Interaction: 3600,
  /** Absolute: a sign-in lasts at most this long, however active. */
  Session: 14 * 24 * 3600,
  Grant: 14 * 24 * 3600,
} as const;

/** A session nobody used for this long ends (ASVS 7.3.1); every use at the IdP pushes it back. */
export const SESSION_IDLE_SECONDS = 8 * 3600;

/**
 * oidc-provider saves the session, with this lifetime, each time it is used: the idle window
 * slides, but never past the absolute lifetime counted from the sign-in (ASVS 7.3.2).
 */
function sessionTtl(session: { loginTs?: number }, now = Math.floor(Date.now() / 1000)): number {
  const left = (session.loginTs ?? now) + TTL.Session - now;
  return Math.max(1, Math.min(SESSION_IDLE_SECONDS, left));
}

export const CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'birthdate', 'gender'],
  email: ['email', 'email_verified'],
} as const;

export interface ProviderSettings {
  readonly issuer: string;
  readonly cookieSecrets: readonly string[];
  readonly secureCookies: boolean;
  readonly registrationToken: string | undefined;
  readonly allowPrivateNetworkCallbacks: boolean;
  readonly views: Views;
  readonly findAccount: NonNullable<Configuration['findAccount']>;
  /** A grant the account gave the client in an earlier session, if any. */
  readonly rememberedGrantId: (accountId: string, clientId: string) => Promise<string | undefined>;
}

/**
 * The provider's behaviour, per RFC 9700 (OAuth 2.0 Security BCP): authorization code with PKCE
 * S256 only, exact redirect URIs (oidc-provider never matches prefixes), `iss` in every
 * authorization response (RFC 9207), refresh tokens rotated on every use.
 */
export function providerConfiguration(settings: ProviderSettings): Configuration {
  const base = new URL(settings.issuer).pathname.replace(/\/$/, '');
  return {
    clients: [
      {
        // The IdP's own account pages sign people in through the provider like any app, but need
        // no token: response type `none` (OAuth 2.0 Multiple Response Types §5).
        client_id: ACCOUNT_CLIENT_ID,
        client_name: 'Account settings',
        token_endpoint_auth_method: 'none',
        response_types: ['none'],
        grant_types: [],
        redirect_uris: [`${settings.issuer}/account`],
        post_logout_redirect_uris: [`${settings.issuer}/account`],
        first_party: true,
      },
    ],
    findAccount: settings.findAccount,
    // `acr` and `amr` (OIDC Core §2, RFC 8176) go with `openid`: in every ID token, as the sign-in set them.
    claims: { ...CLAIMS, openid: [...CLAIMS.openid, 'acr', 'amr'] } as unknown as Configuration['claims'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    responseTypes: ['code', 'none'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    extraParams: ['screen_hint'],
    extraClientMetadata: {
      properties: ['first_party', INTROSPECTS_FOR],
      validator(ctx, key, value) {
        // Skipping consent, and reading other apps' tokens, are for apps the operator registers,
        // never for self-registered ones.
        if (value !== undefined && ctx?.oidc?.route === 'registration') {
          throw new errors.InvalidClientMetadata(`${key} cannot be registered dynamically`);
        }
        if (key === INTROSPECTS_FOR && value !== undefined && !isListOfStrings(value)) {
          throw new errors.InvalidClientMetadata(`${key} must be an array of client_id strings`);
        }
      },
    },
    interactions: {
      url: (_ctx, interaction) => `${base}/interaction/${interaction.uid}`,
      policy: signInStrengthPolicy(),
    },
    // OIDC Discovery `acr_values_supported`; each sign-in sets `acr` and `amr` (RFC 8176) in its result.
    acrValues: [...ACR_VALUES],
    cookies: {
      keys: [...settings.cookieSecrets],
      long: { httpOnly: true, sameSite: 'lax', secure: settings.secureCookies },
      short: { httpOnly: true, sameSite: 'lax', secure: settings.secureCookies },
    },
    features: {
      devInteractions: { enabled: false },
      // RFC 7662 §4, RFC 7009 §2.1: a client introspects and revokes its own tokens only (a resource
      // server also introspects those of the apps the operator named for it); another app's token
      // is answered as an unknown one: `{"active": false}`, or a 200 that revokes nothing.
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => mayRevoke(client, token.clientId),
      },
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => mayIntrospect(client, token.clientId),
      },
      clientCredentials: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => logoutPage(settings.views, ctx, form),
        postLogoutSuccessSource: (ctx) => settings.views.render(ctx, 'signed-out', { title: 'Signed out' }),
      },
      registration: {
        enabled: settings.registrationToken !== undefined,
        initialAccessToken: settings.registrationToken ?? false,
      },
    },
    rotateRefreshToken: () => true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    loadExistingGrant: (ctx) => loadExistingGrant(ctx, settings),
    renderError: async (ctx, out) => {
      await settings.views.render(
        ctx,
        'error',
        { title: 'Sign-in problem', error: { message: out.error_description ?? out.error, code: out.error } },
        ctx.status,
      );
    },
    ttl: { ...TTL, Session: (_ctx, session) => sessionTtl(session) },
    ...(settings.allowPrivateNetworkCallbacks ? { fetch: fetchWithoutSsrfGuard } : {}),
    // The portal and other apps read the profile from the ID token without a userinfo round trip.
    conformIdTokenClaims: false,
  };
}

/**
 * Consent is remembered: the grant of this session, else the one the person gave the app in an
 * earlier session (the provider still asks for anything it does not cover). First-party apps skip
 * the consent page: their grant covers what they ask for.
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC, settings: ProviderSettings) {
  const { client, session, result, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const grantId =
    result?.consent?.grantId ??
    session.grantIdFor(client.clientId) ??
    (await settings.rememberedGrantId(session.accountId, client.clientId));
  if (grantId) {
    const grant = await provider.Grant.find(grantId);
    if (grant && grant.accountId === session.accountId) return grant;
  }
  if (!isFirstParty(client)) return undefined;
  const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope('openid profile email offline_access');
  await grant.save();
  return grant;
}

function isListOfStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

async function logoutPage(views: Views, ctx: KoaContextWithOIDC, form: string): Promise<void> {
  // `form` is oidc-provider's hidden form carrying its own CSRF token (xsrf); our page submits it.
  await views.render(ctx as never, 'sign-out', { title: 'Sign out', form });
}
