import * as oidc from 'openid-client';
import { AppError } from '../../adapters/http/errors.ts';
import type { Config } from '../../config/config.ts';

/** One way to sign in, as listed on the Extranet Login page. */
export interface SignInOption {
  readonly id: string;
  readonly label: string;
  readonly issuer: string;
  readonly clientId: string;
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
 * The configured sign-in options: `SIGN_IN_OPTIONS`, or the built-in IdP as one option. Discovery
 * happens lazily and is retried after a failure, so the portal starts even while an IdP is down.
 */
export function signInOptions(config: Config, clientSecret: string | undefined): SignInOptions {
  const listed = config.SIGN_IN_OPTIONS ?? [
    {
      id: 'default',
      label: config.SIGN_IN_LABEL,
      issuer: config.IDP_ISSUER,
      clientId: config.PORTAL_CLIENT_ID,
      clientSecret: clientSecret ?? '',
    },
  ];
  const all = listed.map((o) => {
    if (!o.clientSecret) throw new Error(`PORTAL_CLIENT_SECRET: required for sign-in option "${o.label}"`);
    return option(o.id, o.label, o.issuer, o.clientId, o.clientSecret);
  });
  return {
    all,
    find: (id) => all.find((o) => o.id === id),
    byIssuer: (issuer) => all.find((o) => o.issuer === issuer),
  };
}

function option(
  id: string,
  label: string,
  issuer: string,
  clientId: string,
  clientSecret: string,
): SignInOption {
  let discovered: Promise<oidc.Configuration> | undefined;
  const insecure = issuer.startsWith('http://');
  return {
    id,
    label,
    issuer,
    clientId,
    configuration() {
      discovered ??= oidc
        .discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
          // Plain http is only for local development and tests; production config requires https.
          execute: insecure ? [oidc.allowInsecureRequests] : [],
          timeout: 10,
        })
        .catch((error: unknown) => {
          discovered = undefined;
          throw new AppError(
            'SIGN_IN_UNAVAILABLE',
            503,
            `Signing in with ${label} is not possible right now. Please try again in a few minutes.`,
            { cause: error },
          );
        });
      return discovered;
    },
  };
}
