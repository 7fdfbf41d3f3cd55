import type { EntityManager } from '@mikro-orm/core';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { AuthenticatorApp } from './second-factor.entity.ts';
import { totpCodeInvalid, totpCodeUsed } from './second-factor-errors.ts';
import { secondFactorChangedMail } from './second-factor-mails.ts';
import { limitedAttempt, type SecondStepLimit } from './second-step-limit.ts';

/** RFC 6238 §4 and the defaults every authenticator app reads: SHA-1, 6 digits, 30 seconds. */
const PERIOD = 30;
const DIGITS = 6;
/** One step either side for clock drift (RFC 6238 §5.2 recommends at most one). */
const WINDOW = 1;

/** What the setup page shows: the QR code (SVG) and the same secret as text. */
export interface AuthenticatorAppSetup {
  readonly secret: string;
  readonly uri: string;
  readonly qrSvg: string;
}

/**
 * Begin setting up an authenticator app: a new 160-bit secret (RFC 4226 §4 R6), kept unconfirmed
 * until `confirmAuthenticatorApp` sees a right code. Beginning again replaces an unconfirmed one;
 * a confirmed app stays until it is removed. `issuer` names the IdP in the app's list.
 */
export async function startAuthenticatorAppSetup(
  em: EntityManager,
  account: { id: string; email: string },
  issuer: string,
): Promise<AuthenticatorAppSetup | undefined> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(AuthenticatorApp, { account: account.id }, { populate: ['secret'] });
    if (existing?.confirmedAt) return undefined;
    const secret = new Secret({ size: 20 }).base32;
    if (existing) existing.secret = secret;
    else tx.create(AuthenticatorApp, { account: account.id, secret, confirmedAt: null, lastUsedStep: null });
    const uri = totp(secret, { issuer, label: account.email }).toString();
    return { secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }) };
  });
}

/** The setup shown again (after a wrong code): the unconfirmed secret, or none. */
export async function pendingAuthenticatorAppSetup(
  em: EntityManager,
  account: { id: string; email: string },
  issuer: string,
): Promise<AuthenticatorAppSetup | undefined> {
  const app = await em.findOne(AuthenticatorApp, { account: account.id }, { populate: ['secret'] });
  if (!app || app.confirmedAt) return undefined;
  const uri = totp(app.secret, { issuer, label: account.email }).toString();
  return { secret: app.secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }) };
}

/** The first right code turns the app on; the owner is told by e-mail. One transaction. */
export async function confirmAuthenticatorApp(
  em: EntityManager,
  account: { id: string; email: string },
  code: string,
  limits?: SecondStepLimit,
): Promise<void> {
  await limitedAttempt(limits, account.id, () =>
    em.transactional(async (tx) => {
      const app = await tx.findOne(AuthenticatorApp, { account: account.id }, { populate: ['secret'] });
      if (!app || app.confirmedAt) throw totpCodeInvalid('Start setting up the authenticator app again.');
      app.lastUsedStep = acceptedStep(app.secret, code, app.lastUsedStep);
      app.confirmedAt = new Date();
      enqueueMail(tx, secondFactorChangedMail(account.email, 'authenticatorAppAdded'));
    }),
  );
}

/**
 * The second step: a right code of the account's confirmed app, accepted once. The step is
 * recorded by a conditional update, so two requests racing with one code cannot both pass.
 */
export async function verifyAuthenticatorCode(
  em: EntityManager,
  accountId: string,
  code: string,
  limits?: SecondStepLimit,
): Promise<void> {
  await limitedAttempt(limits, accountId, async () => {
    const app = await em.fork().findOne(AuthenticatorApp, { account: accountId }, { populate: ['secret'] });
    if (!app?.confirmedAt) throw totpCodeInvalid();
    const step = acceptedStep(app.secret, code, app.lastUsedStep);
    const updated = await em
      .fork()
      .nativeUpdate(
        AuthenticatorApp,
        { account: accountId, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: step } }] },
        { lastUsedStep: step },
      );
    if (updated !== 1) throw totpCodeUsed();
  });
}

/** Remove the app (set up or not); the owner is told when a working one goes. */
export async function removeAuthenticatorApp(
  em: EntityManager,
  account: { id: string; email: string },
): Promise<void> {
  await em.transactional(async (tx) => {
    const app = await tx.findOne(AuthenticatorApp, { account: account.id });
    if (!app) return;
    if (app.confirmedAt) enqueueMail(tx, secondFactorChangedMail(account.email, 'authenticatorAppRemoved'));
    tx.remove(app);
  });
}

/** True when the account has a working authenticator app. */
export async function hasAuthenticatorApp(em: EntityManager, accountId: string): Promise<boolean> {
  const app = await em.fork().findOne(AuthenticatorApp, { account: accountId, confirmedAt: { $ne: null } });
  return app !== null;
}

/**
 * The time step `code` belongs to, within the window; refused when it is malformed, wrong, or of a
 * step at or before the last one accepted (RFC 6238 §5.2: "the verifier MUST NOT accept the second
 * attempt of the OTP after the successful validation has been issued for the first OTP").
 */
function acceptedStep(secret: string, code: string, lastUsedStep: number | null | undefined): number {
  const token = code.replace(/\s/g, '');
  if (!/^\d+$/.test(token) || token.length !== DIGITS)
    throw totpCodeInvalid(`Enter the ${DIGITS}-digit code your authenticator app shows.`);
  const generator = totp(secret);
  const delta = generator.validate({ token, window: WINDOW });
  if (delta === null) throw totpCodeInvalid();
  const step = generator.counter() + delta;
  if (lastUsedStep != null && step <= lastUsedStep) throw totpCodeUsed();
  return step;
}

function totp(secret: string, names: { issuer?: string; label?: string } = {}): TOTP {
  return new TOTP({
    ...names,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
  });
}
