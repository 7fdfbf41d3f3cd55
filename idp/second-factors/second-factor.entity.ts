import { defineEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.ts';

/** A WebAuthn credential the person registered as a passkey (WebAuthn Level 3 §6.4 credential record). */
const PasskeySchema = defineEntity({
  name: 'Passkey',
  properties: {
    id: p.uuid().primary(),
    account: () => p.manyToOne(Account).deleteRule('cascade'),
    /** The credential ID, base64url; unique across accounts (WebAuthn §7.1 step 25). */
    credentialId: p.string(),
    /** The COSE public key, base64url. */
    publicKey: p.string(),
    /** The authenticator's signature counter, checked for cloning (WebAuthn §7.2 step 22). */
    signCount: p.bigint('number'),
    /** The transports the authenticator named, comma-separated (hints for the browser). */
    transports: p.string().default(''),
    /** Backed up (a synced passkey): `swk` in `amr`; else bound to its device, `hwk` (RFC 8176 §2). */
    synced: p.boolean(),
    name: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
  },
  uniques: [{ name: 'passkey_credential_id_key', properties: ['credentialId'] }],
  indexes: [{ name: 'passkey_account_idx', properties: ['account'] }],
});
export class Passkey extends PasskeySchema.class {}
PasskeySchema.setClass(Passkey);

export { PasskeySchema };

/** The account's authenticator app (RFC 6238 TOTP): one per account, used once confirmed by a code. */
const AuthenticatorAppSchema = defineEntity({
  name: 'AuthenticatorApp',
  properties: {
    account: () => p.oneToOne(Account).primary().deleteRule('cascade'),
    /** The shared secret, base32 (RFC 4648), as the QR code carries it. */
    secret: p.string().lazy(),
    /** Unset while the setup waits for its first correct code. */
    confirmedAt: p.datetime().nullable(),
    /** The time step of the last accepted code: a code is accepted once (RFC 6238 §5.2). */
    lastUsedStep: p.bigint('number').nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class AuthenticatorApp extends AuthenticatorAppSchema.class {}
AuthenticatorAppSchema.setClass(AuthenticatorApp);

export { AuthenticatorAppSchema };

/** One of the account's single-use recovery codes (NIST SP 800-63B §5.1.2 look-up secrets). */
const RecoveryCodeSchema = defineEntity({
  name: 'RecoveryCode',
  properties: {
    id: p.uuid().primary(),
    account: () => p.manyToOne(Account).deleteRule('cascade'),
    /** SHA-256 of the account id and the code: a database leak leaks no usable code. */
    codeHash: p.string(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ name: 'recovery_code_account_hash_key', properties: ['account', 'codeHash'] }],
});
export class RecoveryCode extends RecoveryCodeSchema.class {}
RecoveryCodeSchema.setClass(RecoveryCode);

export { RecoveryCodeSchema };

/**
 * A WebAuthn challenge handed to a browser, bound to what asked for it (an account adding a
 * passkey, or a sign-in's interaction) and consumed by the first response: a replayed response
 * finds no challenge (WebAuthn §13.4.3).
 */
const PasskeyChallengeSchema = defineEntity({
  name: 'PasskeyChallenge',
  properties: {
    challenge: p.string().primary(),
    /** `account:<id>` or `interaction:<uid>`. */
    boundTo: p.string(),
    expiresAt: p.datetime(),
  },
  indexes: [{ name: 'passkey_challenge_expires_idx', properties: ['expiresAt'] }],
});
export class PasskeyChallenge extends PasskeyChallengeSchema.class {}
PasskeyChallengeSchema.setClass(PasskeyChallenge);

export { PasskeyChallengeSchema };
