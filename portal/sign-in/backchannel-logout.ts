import { createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Middleware } from 'koa';
import { formFields } from '../../adapters/http/forms.ts';
import type { PortalContext } from '../portal-context.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** How old a logout token may be (its `iat`): senders sign it as they send it. */
const MAX_TOKEN_AGE = '5 minutes';

/**
 * `typ` values a logout token may carry (§2.4: explicit typing is a SHOULD, so none is fine too):
 * anything else is another kind of JWT (an access token typed `at+jwt`, say).
 */
const LOGOUT_TOKEN_TYPES = new Set(['logout+jwt', 'application/logout+jwt', 'jwt']);

/**
 * OpenID Connect Back-Channel Logout 1.0: a sign-in option's IdP posts a signed `logout_token`;
 * after validating it (§2.6: signature by that option's keys, its `iss`, our client as `aud`, a
 * fresh `iat`, the logout `events` claim, no `nonce`, `sid` or `sub`) the portal sessions of that
 * IdP session, or of that subject, end at once. The `events` claim and the absence of `nonce` are
 * what tell a logout token from an ID token posted in its place (§4.1, cross-JWT confusion), typed
 * or not.
 */
export function backchannelLogout(portal: PortalContext): Middleware {
  const keySets = new Map<string, JWTVerifyGetKey>();
  const keysOf = async (issuer: string) => {
    const option = portal.signIn.byIssuer(issuer);
    if (!option) return undefined;
    let keys = keySets.get(issuer);
    if (!keys) {
      const jwksUri = (await option.configuration()).serverMetadata().jwks_uri;
      if (!jwksUri) return undefined;
      keys = createRemoteJWKSet(new URL(jwksUri));
      keySets.set(issuer, keys);
    }
    return { keys, option };
  };
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const token = formFields(ctx).logout_token ?? '';
    try {
      const issuer = String(decodeJwt(token).iss ?? '');
      const found = await keysOf(issuer);
      if (!found) throw new Error('unknown issuer');
      const { payload, protectedHeader } = await jwtVerify(token, found.keys, {
        issuer,
        audience: found.option.clientId,
        maxTokenAge: MAX_TOKEN_AGE,
        requiredClaims: ['iat', 'events'],
      });
      const typ = protectedHeader.typ?.toLowerCase();
      if (typ !== undefined && !LOGOUT_TOKEN_TYPES.has(typ)) throw new Error(`typed ${typ}`);
      const events = payload.events as Record<string, unknown> | undefined;
      if (!events || typeof events[EVENT] !== 'object' || 'nonce' in payload)
        throw new Error('not a logout token');
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      if (!sid && !payload.sub) throw new Error('neither sid nor sub');
      await portal.sessions.destroyForLogout(issuer, { sid, subject: payload.sub });
      ctx.status = 200;
      ctx.body = '';
    } catch (error) {
      portal.logger.warn({ err: error }, 'back-channel logout refused');
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'The logout token is not valid.' };
    }
  };
}
