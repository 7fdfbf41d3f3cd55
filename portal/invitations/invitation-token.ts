import { decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import { portalErrors } from '../portal-errors.ts';

const AUDIENCE = 'gatehouse-portal:invitation';

/** What an invitation link carries: the invitation row and its organization. No personal data. */
export interface InvitationClaims {
  readonly jti: string;
  readonly org: string;
}

/** Sign the token of an invitation link (JWS HS256, `jti` = the invitation row's id). */
export function signInvitationToken(
  key: Uint8Array,
  issuer: string,
  claims: InvitationClaims,
  expiresAt: Date,
): Promise<string> {
  return new SignJWT({ org: claims.org })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setJti(claims.jti)
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key);
}

/**
 * Verify an invitation token's signature. Expiry is not decided here but by the invitation row
 * (same instant), so the holder of an expired link who already claimed it still gets a no-op.
 * Any other defect is `INVITATION_INVALID`.
 */
export async function readInvitationToken(
  key: Uint8Array,
  issuer: string,
  token: string,
): Promise<InvitationClaims> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer, audience: AUDIENCE });
    return toClaims(payload);
  } catch (error) {
    // jose checks the signature before the claims: an expired token is an authentic one.
    if (error instanceof errors.JWTExpired) return toClaims(decodeJwt(token));
    throw portalErrors.invitationInvalid();
  }
}

function toClaims(payload: { jti?: unknown; org?: unknown }): InvitationClaims {
  if (typeof payload.jti !== 'string' || typeof payload.org !== 'string')
    throw portalErrors.invitationInvalid();
  return { jti: payload.jti, org: payload.org };
}
