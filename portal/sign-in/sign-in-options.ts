import * as oidc from 'openid-client';
import { AppError } from '../../adapters/http/errors.ts';
import { builtInOption, type Config, isBuiltInOption, type SignInOptionConfig } from '../../config/config.ts';

/** One way to sign in, as listed on the Extranet Login page. */
export interface SignInOption {
  readonly id: string;
  readonly label: string;
  readonly issuer: string;
  readonly clientId: string;
  /** The built-in IdP (the portal's own client there), rather than a third-party provider. */
  readonly builtIn: boolean;
  /** The issuer's metadata and our client, discovered on first use and kept. */
  configuration(): Promise<oidc.Configuration>;
}

export interface SignInOptions {
  readonly all: readonly SignInOption[];
  find(id: string | undefined): SignInOption | undefined;
  /** The option behind a signed-in session's issuer. */
  byIssuer(issuer: string): SignInOption | undefined;
}

/**
 * The configured sign-in options: `SIGN_IN_OPTIONS`, or the built-in IdP as one option. The
 * built-in IdP's entry takes the portal's client (`PORTAL_CLIENT_ID`, `builtInSecret`) unless it
 * names its own. Discovery happens lazily and is retried after a failure, so the portal starts
 * even while an IdP is down.
 */
export function signInOptions(config: Config, builtInSecret: string | undefined): SignInOptions {
  const listed: readonly SignInOptionConfig[] = config.SIGN_IN_OPTIONS ?? [builtInOption(config)!];
  const all = listed.map((o) => {
    const builtIn = isBuiltInOption(config, o);
    const clientSecret = o.clientSecret ?? (builtIn ? builtInSecret : undefined);
    if (!clientSecret) throw new Error(`PORTAL_CLIENT_SECRET: required for sign-in option "${o.label}"`);
    return option({
      id: o.id,
      label: o.label,
      issuer: o.issuer ?? config.IDP_ISSUER,
      clientId: o.clientId ?? config.PORTAL_CLIENT_ID,
      builtIn,
      authentication:
        o.tokenEndpointAuthMethod === 'client_secret_post'
          ? oidc.ClientSecretPost(clientSecret)
          : oidc.ClientSecretBasic(clientSecret),
    });
  });
  return {
    all,
    find: (id) => all.find((o) => o.id === id),
    byIssuer: (issuer) => all.find((o) => o.issuer === issuer),
  };
}

function option(
  o: Omit<SignInOption, 'configuration'> & { readonly authentication: oidc.ClientAuth },
): SignInOption {
  let discovered: Promise<oidc.Configuration> | undefined;
  const insecure = o.issuer.startsWith('http://');
  return {
    id: o.id,
    label: o.label,
    issuer: o.issuer,
    clientId: o.clientId,
    builtIn: o.builtIn,
    configuration() {
      discovered ??= oidc
        .discovery(new URL(o.issuer), o.clientId, undefined, o.authentication, {
          // Plain http is only for local development and tests; production config requires https.
          execute: insecure ? [oidc.allowInsecureRequests] : [],
          timeout: 10,
        })
        .catch((error: unknown) => {
          discovered = undefined;
          throw new AppError(
            'SIGN_IN_UNAVAILABLE',
            503,
            `Signing in with ${o.label} is not possible right now. Please try again in a few minutes.`,
            { cause: error },
          );
        });
      return discovered;
    },
  };
}
