import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import { isId } from '../../adapters/db/ids.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { Account } from '../accounts/account.entity.ts';
import { consumeChallenge, keepChallenge } from './passkey-challenges.ts';
import { Passkey } from './second-factor.entity.ts';
import { passkeyNotFound, passkeyRefused, passkeyUnknown } from './second-factor-errors.ts';
import { passkeyName, webAuthnResponse } from './second-factor-input.ts';
import { secondFactorChangedMail } from './second-factor-mails.ts';

/** The WebAuthn relying party: the IdP's host is the RP ID, its origin the only one accepted. */
export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origin: string;
}

/** The relying party of an IdP at `issuer` (WebAuthn §5.1.4.1: the RP ID is the host, no port). */
export function relyingPartyOf(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, name, origin: url.origin };
}

/** What a passkey sign-in proved: whose passkey, and whether it is synced (`swk`) or device-bound (`hwk`). */
export interface PasskeyUse {
  readonly accountId: string;
  readonly synced: boolean;
}

/**
 * Options for `navigator.credentials.create()`: a discoverable credential (residentKey required,
 * so "Sign in with a passkey" needs no e-mail) with user verification (WebAuthn §5.4.6), no
 * attestation, the account's passkeys excluded. The challenge is kept for this account only.
 */
export async function passkeyRegistrationOptions(
  em: EntityManager,
  rp: RelyingParty,
  account: { id: string; email: string; name: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await em.fork().find(Passkey, { account: account.id });
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: account.email,
    userDisplayName: account.name,
    userID: userHandleOf(account.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  await keepChallenge(em, options.challenge, `account:${account.id}`);
  return options;
}

/**
 * Register the browser's answer to `passkeyRegistrationOptions` (WebAuthn §7.1): the challenge this
 * account was given (once), this origin and RP ID, user verification. The owner is told by e-mail.
 */
export async function addPasskey(
  em: EntityManager,
  rp: RelyingParty,
  account: { id: string; email: string },
  input: { response: string; name: string },
): Promise<Passkey> {
  const name = passkeyName(input.name);
  const response = webAuthnResponse<RegistrationResponseJSON>(input.response);
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: (challenge) => consumeChallenge(em, challenge, `account:${account.id}`),
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: true,
  }).catch((cause: unknown) => {
    throw passkeyRefused(cause);
  });
  if (!verification.verified) throw passkeyRefused();
  const { credential, credentialBackedUp } = verification.registrationInfo;
  return em.transactional(async (tx) => {
    if (await tx.findOne(Passkey, { credentialId: credential.id }))
      throw passkeyRefused(undefined, 'This passkey is registered already.');
    const passkey = tx.create(Passkey, {
      id: randomUUID(),
      account: account.id,
      credentialId: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      signCount: credential.counter,
      transports: (credential.transports ?? []).join(','),
      synced: credentialBackedUp,
      name,
      lastUsedAt: null,
    });
    enqueueMail(tx, secondFactorChangedMail(account.email, 'passkeyAdded'));
    return passkey;
  });
}

/**
 * Options for `navigator.credentials.get()`, the challenge kept for `boundTo` (a sign-in's
 * interaction). With `accountId` (the second step), only that account's passkeys are offered;
 * without, any discoverable one (conditional mediation, WebAuthn §5.1.4.1).
 */
export async function passkeySignInOptions(
  em: EntityManager,
  rp: RelyingParty,
  boundTo: string,
  accountId?: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allowed = accountId ? await em.fork().find(Passkey, { account: accountId }) : [];
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    allowCredentials: allowed.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
  });
  await keepChallenge(em, options.challenge, boundTo);
  return options;
}

/**
 * Check a passkey assertion (WebAuthn §7.2): a registered credential, of `accountId` when given,
 * whose user handle is its account's; the challenge handed to `boundTo` (once); this origin and
 * RP ID; user verification; the signature and its counter. Records the use.
 */
export async function verifyPasskeySignIn(
  em: EntityManager,
  rp: RelyingParty,
  boundTo: string,
  input: string,
  accountId?: string,
): Promise<PasskeyUse> {
  const response = webAuthnResponse<AuthenticationResponseJSON>(input);
  const passkey = await em.fork().findOne(Passkey, { credentialId: response.id });
  if (!passkey) throw passkeyUnknown();
  const owner = passkey.account.id;
  const handle = response.response.userHandle;
  if (
    (accountId && owner !== accountId) ||
    (handle && handle !== isoBase64URL.fromBuffer(userHandleOf(owner)))
  )
    throw passkeyRefused(undefined, 'This passkey belongs to another account.');
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: (challenge) => consumeChallenge(em, challenge, boundTo),
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: true,
    credential: {
      id: passkey.credentialId,
      publicKey: isoBase64URL.toBuffer(passkey.publicKey),
      counter: passkey.signCount,
      transports: transportsOf(passkey),
    },
  }).catch((cause: unknown) => {
    throw passkeyRefused(cause);
  });
  if (!verification.verified) throw passkeyRefused();
  const { newCounter, credentialBackedUp } = verification.authenticationInfo;
  await em
    .fork()
    .nativeUpdate(
      Passkey,
      { id: passkey.id },
      { signCount: newCounter, lastUsedAt: new Date(), synced: credentialBackedUp },
    );
  return { accountId: owner, synced: credentialBackedUp };
}

/** The account's passkeys, oldest first. */
export function listPasskeys(em: EntityManager, accountId: string): Promise<Passkey[]> {
  return em.fork().find(Passkey, { account: accountId }, { orderBy: { createdAt: 'asc' } });
}

/** Rename one of the account's passkeys. */
export async function renamePasskey(em: EntityManager, accountId: string, id: string, input: string) {
  const name = passkeyName(input);
  const renamed = await em.fork().nativeUpdate(Passkey, { id: uuidOr(id), account: accountId }, { name });
  if (renamed !== 1) throw passkeyNotFound();
}

/** Remove one of the account's passkeys; the owner is told by e-mail. One transaction. */
export async function removePasskey(em: EntityManager, account: { id: string; email: string }, id: string) {
  await em.transactional(async (tx) => {
    const passkey = await tx.findOne(Passkey, { id: uuidOr(id), account: account.id });
    if (!passkey) throw passkeyNotFound();
    tx.remove(passkey);
    enqueueMail(tx, secondFactorChangedMail(account.email, 'passkeyRemoved'));
  });
}

/** The accounts a passkey may sign in: verified and not disabled. */
export async function mayUsePasskeys(em: EntityManager, accountId: string): Promise<boolean> {
  const account = await em.fork().findOne(Account, { id: accountId });
  return !!account && account.emailVerified && !account.disabledAt;
}

// The user handle is the account id's bytes: no personal data (WebAuthn §14.6.1).
function userHandleOf(accountId: string): Uint8Array<ArrayBuffer> {
  return isoUint8Array.fromUTF8String(accountId) as Uint8Array<ArrayBuffer>;
}

function transportsOf(passkey: Passkey) {
  return passkey.transports ? (passkey.transports.split(',') as AuthenticatorTransport[]) : undefined;
}

// A malformed id is no passkey of this account, not a database error.
function uuidOr(id: string): string {
  return isId(id) ? id : '00000000-0000-0000-0000-000000000000';
}
