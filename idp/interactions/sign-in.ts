import type { Context } from 'koa';
import { type AppError, isAppError } from '../../adapters/http/errors.ts';
import {
  authenticate,
  type ChosenPassword,
  EmailNotVerifiedError,
  resendVerification,
  signUp,
  type Throttle,
  verifyEmail,
} from '../accounts/accounts.ts';
import type { IdpContext } from '../create-idp.ts';
import { RetryLaterError } from '../rate-limits/retry-later-error.ts';
import { type DeviceCookies, deviceCookies } from './device-cookie.ts';
import {
  type InteractionPage,
  rememberInInteraction,
  renderLogin,
  renderSignUp,
  renderVerify,
  signInTo,
} from './pages.ts';

/**
 * E-mail and password. Unknown e-mail and wrong password get the same answer; failures count
 * against the account and the client IP in PostgreSQL, so the limits hold across instances, or,
 * from a browser that signed in to the account before, against that browser's device cookie only.
 * A success makes this browser a known device of the account.
 */
export async function signInWithPassword(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  form: Record<string, string>,
): Promise<void> {
  const email = (form.email ?? '').trim();
  const values = { email };
  try {
    const devices = deviceCookiesOf(idp);
    const account = await authenticate(idp.orm, {
      email,
      password: form.password ?? '',
      throttle: { ...throttle(ctx, idp), knownDevice: (login) => devices.known(ctx, login) },
    });
    devices.remember(ctx, account);
    idp.metrics.signIns.inc({ outcome: 'success' });
    await signInTo(ctx, page, { login: { accountId: account.id, amr: ['pwd'] } });
  } catch (error) {
    if (error instanceof EmailNotVerifiedError) {
      idp.metrics.signIns.inc({ outcome: 'unverified' });
      return startVerification(ctx, idp, page, error);
    }
    if (!isAppError(error) || error.status >= 500) throw error;
    countFailedSignIn(idp, error);
    tellWhenToRetry(ctx, error);
    await renderLogin(ctx, idp, page, { values, message: error.message }, error.status);
  }
}

/** The right password for an unverified account: verify first, then continue signed in. */
async function startVerification(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  error: EmailNotVerifiedError,
): Promise<void> {
  const { email } = error;
  await rememberInInteraction(page, { pendingEmail: email });
  try {
    await resendVerification(idp.orm.em.fork(), { email, throttle: throttle(ctx, idp) });
  } catch (resendError) {
    // A code sent moments ago is still valid: the cooldown only stops a second mail.
    if (!isAppError(resendError, 'RESEND_COOLDOWN') && !isAppError(resendError, 'RATE_LIMITED'))
      throw resendError;
  }
  await renderVerify(ctx, idp, page, email, {
    notice: 'Your e-mail address is not verified yet. Enter the code we sent you.',
  });
}

/** "Sign up now" inside an authorization request: the person ends up back at the app, signed in. */
export async function signUpInInteraction(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  form: Record<string, string>,
): Promise<void> {
  const values = {
    givenName: form.givenName ?? '',
    familyName: form.familyName ?? '',
    email: form.email ?? '',
    birthdate: form.birthdate ?? '',
    gender: form.gender ?? '',
    acceptTerms: form.acceptTerms ?? '',
  };
  try {
    const outcome = await signUp(idp.orm.em.fork(), {
      ...values,
      password: form.password ?? '',
      gender: values.gender as never,
      acceptTerms: values.acceptTerms === 'yes',
      throttle: throttle(ctx, idp),
    });
    // Whoever enters the code mailed to this address, in this sign-in, is signed in as its account,
    // with the password chosen here if someone else had signed up with the address first.
    const chosen: ChosenPassword | undefined = outcome.passwordHash
      ? { email: outcome.email, passwordHash: outcome.passwordHash }
      : undefined;
    await rememberInInteraction(page, { pendingEmail: outcome.email, chosenPassword: chosen });
    await renderVerify(ctx, idp, page, outcome.email);
  } catch (error) {
    if (!isAppError(error) || error.status >= 500) throw error;
    tellWhenToRetry(ctx, error);
    await renderSignUp(
      ctx,
      idp,
      page,
      { values, errors: { ...error.fields }, message: error.message },
      error.status,
    );
  }
}

/**
 * The 6-digit code. Only the address this interaction signed up or proved the password of is
 * signed in: the code proves control of the mailbox, the earlier step ties it to this browser.
 */
export async function verifyInInteraction(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  form: Record<string, string>,
): Promise<void> {
  const email = form.email ?? '';
  try {
    const account = await verifyEmail(idp.orm.em.fork(), {
      email,
      code: (form.code ?? '').trim(),
      throttle: throttle(ctx, idp),
      chosenPassword: chosenPassword(page),
    });
    if (account.email === page.result?.pendingEmail) {
      deviceCookiesOf(idp).remember(ctx, account);
      await signInTo(ctx, page, { login: { accountId: account.id, amr: ['pwd'] } });
      return;
    }
    await renderLogin(ctx, idp, page, {
      values: { email },
      notice: 'Your e-mail address is verified. Sign in to continue.',
    });
  } catch (error) {
    if (!isAppError(error) || error.status >= 500) throw error;
    tellWhenToRetry(ctx, error);
    await renderVerify(ctx, idp, page, email, { errors: { code: error.message } }, error.status);
  }
}

export async function resendInInteraction(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  email: string,
) {
  try {
    await resendVerification(idp.orm.em.fork(), { email, throttle: throttle(ctx, idp) });
    await renderVerify(ctx, idp, page, email, {
      notice: 'If this address is waiting for a code, a new one is on its way.',
    });
  } catch (error) {
    if (!isAppError(error) || error.status >= 500) throw error;
    tellWhenToRetry(ctx, error);
    await renderVerify(ctx, idp, page, email, { message: error.message }, error.status);
  }
}

/** The password a sign-up in this interaction chose for an address already taken, unverified. */
// Bound to its address: a later step of the interaction for another address does not inherit it.
function chosenPassword(page: InteractionPage): ChosenPassword | undefined {
  const chosen = page.result?.chosenPassword as Partial<ChosenPassword> | undefined;
  const email = page.result?.pendingEmail;
  if (typeof chosen?.passwordHash !== 'string' || typeof email !== 'string' || chosen.email !== email)
    return undefined;
  return { email, passwordHash: chosen.passwordHash };
}

/** The limits one request counts against: failures per account and per client address. */
function throttle(ctx: Context, idp: IdpContext): Throttle {
  return { limits: idp.rateLimits, ip: ctx.ip };
}

/** The device cookies of this IdP: signed with its cookie secrets, `Secure` behind TLS. */
function deviceCookiesOf(idp: IdpContext): DeviceCookies {
  return deviceCookies({ secrets: idp.cookieSecrets, secure: idp.config.IDP_ISSUER.startsWith('https://') });
}

/** `idp_sign_ins_total`: a refusal by the limits is told apart from a wrong e-mail or password. */
function countFailedSignIn(idp: IdpContext, error: AppError): void {
  if (isAppError(error, 'INVALID_CREDENTIALS')) idp.metrics.signIns.inc({ outcome: 'invalid_credentials' });
  if (isAppError(error, 'RATE_LIMITED')) idp.metrics.signIns.inc({ outcome: 'rate_limited' });
}

/** RFC 6585 §4: a 429 says when to come back, on a re-rendered form as on an error page. */
function tellWhenToRetry(ctx: Context, error: AppError): void {
  if (error instanceof RetryLaterError) ctx.set('Retry-After', String(error.retryAfterSeconds));
}
