import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A passkey authenticator in software, for the bench's passkey sign-ins and the HTTP tests of the
 * WebAuthn checks: one ES256 key, a discoverable credential, attestation `none` (WebAuthn Level 3
 * §6.5.4, §8.7), answers shaped as `@simplewebauthn/browser` posts them. Each answer can be bent
 * the way an attacker would: another origin or RP ID, no user verification. (The browser journeys
 * use Chromium's own virtual authenticator instead.)
 */
export interface SoftwareAuthenticator {
  readonly credentialId: string;
  /** Answer `navigator.credentials.create()` with these options (JSON, as the IdP sends them). */
  register(options: CreationOptions, bend?: Bend): Record<string, unknown>;
  /** Answer `navigator.credentials.get()`; the user handle is the one given at registration. */
  signIn(options: RequestOptions, bend?: Bend): Record<string, unknown>;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

/** How an answer departs from an honest one. */
export interface Bend {
  readonly origin?: string;
  readonly rpId?: string;
  readonly userVerified?: boolean;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export function softwareAuthenticator(origin: string): SoftwareAuthenticator {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id = randomBytes(16);
  const credentialId = id.toString('base64url');
  let counter = 0;
  let userHandle = '';

  const clientData = (type: string, challenge: string, bend: Bend) =>
    Buffer.from(JSON.stringify({ type, challenge, origin: bend.origin ?? origin, crossOrigin: false }));
  const flags = (bend: Bend, extra = 0) => FLAG_UP | (bend.userVerified === false ? 0 : FLAG_UV) | extra;

  return {
    credentialId,
    register(options, bend = {}) {
      userHandle = options.user.id;
      const rpId = bend.rpId ?? options.rp.id ?? new URL(origin).hostname;
      const attested = Buffer.concat([Buffer.alloc(16), u16(id.length), id, coseKey(publicKey)]);
      const authData = Buffer.concat([
        rpIdHash(rpId),
        Buffer.from([flags(bend, FLAG_AT)]),
        u32(counter),
        attested,
      ]);
      const attestation = isoCBOR.encode(
        new Map<string, unknown>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', new Uint8Array(authData)],
        ]) as never,
      );
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        response: {
          clientDataJSON: clientData('webauthn.create', options.challenge, bend).toString('base64url'),
          attestationObject: Buffer.from(attestation).toString('base64url'),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    signIn(options, bend = {}) {
      counter += 1;
      const rpId = bend.rpId ?? options.rpId ?? new URL(origin).hostname;
      const authData = Buffer.concat([rpIdHash(rpId), Buffer.from([flags(bend)]), u32(counter)]);
      const data = clientData('webauthn.get', options.challenge, bend);
      const signed = Buffer.concat([authData, createHash('sha256').update(data).digest()]);
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        response: {
          clientDataJSON: data.toString('base64url'),
          authenticatorData: authData.toString('base64url'),
          signature: sign('sha256', signed, privateKey).toString('base64url'),
          userHandle,
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}

// RFC 9053 §7.1.1 / RFC 8152 §13.1.1: an EC2 P-256 key for ES256 as a COSE_Key map.
function coseKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const map = new Map<number, unknown>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
    [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
  ]);
  return Buffer.from(isoCBOR.encode(map as never));
}

function rpIdHash(rpId: string): Buffer {
  return createHash('sha256').update(rpId).digest();
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
