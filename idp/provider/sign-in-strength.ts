import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * The sign-in strengths the IdP tells apps in `acr` (OIDC Core §2), weakest first: a password
 * alone; two factors (RFC 8176 `mfa`); a passkey, phishing-resistant (NIST SP 800-63B §5.2.5).
 */
export const ACR_VALUES = ['pwd', 'mfa', 'phr'] as const;
export type Acr = (typeof ACR_VALUES)[number];

/** The reason the login prompt gives when an app asks for more than the session's sign-in proved. */
export const STEP_UP_REASON = 'acr_step_up';

/**
 * The weakest strength `acr_values` (a space-separated preference list, OIDC Core §3.1.2.1) asks
 * for, or none when it names none we know: any one of the values listed satisfies the request.
 */
export function requestedAcr(acrValues: unknown): Acr | undefined {
  if (typeof acrValues !== 'string') return undefined;
  const ranks = acrValues
    .split(' ')
    .map((value) => ACR_VALUES.indexOf(value as Acr))
    .filter((rank) => rank >= 0);
  return ranks.length ? ACR_VALUES[Math.min(...ranks)] : undefined;
}

/** True when a sign-in of strength `acr` meets `wanted`: a stronger one does. */
export function meets(acr: unknown, wanted: Acr): boolean {
  return ACR_VALUES.indexOf(acr as Acr) >= ACR_VALUES.indexOf(wanted);
}

/**
 * oidc-provider's default prompts, with one more login check: an app's `acr_values` asking for
 * more than the session's sign-in proved (a password, say, when `mfa` is asked) prompts the
 * person, who then takes the second step only (idp/interactions/second-step.ts), not a new
 * password sign-in. A sign-in this very request finished is not asked again: when it could not
 * meet the request, the ID token's `acr` says so and the app decides.
 */
export function signInStrengthPolicy() {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider has no login prompt');
  login.checks.add(
    new interactionPolicy.Check(
      STEP_UP_REASON,
      'a stronger sign-in is requested',
      (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        const wanted = requestedAcr(oidc.params?.acr_values);
        if (!wanted || !oidc.session?.accountId || oidc.result?.login)
          return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        return meets(oidc.acr, wanted)
          ? interactionPolicy.Check.NO_NEED_TO_PROMPT
          : interactionPolicy.Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}
