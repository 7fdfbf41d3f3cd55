import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { KnownDevice } from '../accounts/throttle.ts';

/** A device cookie lasts a year: the owner's browser stays known between rare sign-ins. */
const DEVICE_COOKIE_DAYS = 365;

const VALUE = /^([0-9a-f-]{36})\.([\w-]{22})\.([\w-]{43})$/;

export interface DeviceCookieOptions {
  /** The IdP's cookie secrets, newest first: the newest signs, any of them verifies (rotation). */
  readonly secrets: readonly string[];
  /** Behind TLS: `Secure` and the `__Host-` prefix, so no sibling host can plant one. */
  readonly secure: boolean;
}

/** Reads and gives out the device cookies of one IdP (see `deviceCookies`). */
export interface DeviceCookies {
  /** The device this browser proved for `login` (a normalised address), if its cookie is genuine. */
  known(ctx: Context, login: string): KnownDevice | undefined;
  /** After a successful sign-in: this browser is a known device of the account, with a new nonce. */
  remember(ctx: Context, account: { readonly id: string; readonly email: string }): void;
}

/**
 * OWASP "Slow down online guessing attacks with device cookies": after a successful sign-in the
 * browser gets a cookie `<account id>.<random nonce>.<HMAC-SHA256 of login, account id, nonce>`,
 * one per account (its name is derived from the login), `HttpOnly`, `SameSite=Lax`. A sign-in for
 * that login presenting it counts against the nonce's own failure budget rather than the account's
 * (accounts/throttle.ts `checkSignInAttempt`). A cookie whose MAC does not verify, or one made for
 * another login, is no cookie at all: the attempt is an unknown device's. No database is read.
 *
 * @example
 *   const devices = deviceCookies({ secrets: idp.cookieSecrets, secure: true });
 *   const throttle = { limits, ip: ctx.ip, knownDevice: (login) => devices.known(ctx, login) };
 */
export function deviceCookies(options: DeviceCookieOptions): DeviceCookies {
  const { secrets, secure } = options;
  return {
    known(ctx, login) {
      const match = VALUE.exec(ctx.cookies.get(deviceCookieName(login, secure)) ?? '');
      if (!match) return undefined;
      const [, accountId = '', nonce = '', mac = ''] = match;
      const genuine = secrets.some((secret) => safeEqual(mac, sign(secret, login, accountId, nonce)));
      return genuine ? { accountId, nonce } : undefined;
    },
    remember(ctx, account) {
      const nonce = randomBytes(16).toString('base64url');
      const mac = sign(secrets[0]!, account.email, account.id, nonce);
      ctx.cookies.set(deviceCookieName(account.email, secure), `${account.id}.${nonce}.${mac}`, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        maxAge: DEVICE_COOKIE_DAYS * 24 * 3600 * 1000,
        overwrite: true,
      });
    },
  };
}

/**
 * The cookie of `login` (normalised): one per account, so several people sharing a browser each
 * keep theirs. Named after a hash, so the cookie jar does not spell out the address.
 */
export function deviceCookieName(login: string, secure: boolean): string {
  const tag = createHash('sha256').update(login).digest('base64url').slice(0, 16);
  return `${secure ? '__Host-' : ''}device-${tag}`;
}

// "gatehouse-device" keeps this MAC apart from anything else the same secrets sign (CSRF tokens).
function sign(secret: string, login: string, accountId: string, nonce: string): string {
  return createHmac('sha256', secret)
    .update(`gatehouse-device\n${login}\n${accountId}\n${nonce}`)
    .digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
