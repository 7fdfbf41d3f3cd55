import type { Context } from 'koa';
import { type AppError, isAppError } from '../../adapters/http/errors.ts';
import { postedForm } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import {
  authenticate,
  type ChosenPassword,
  EmailNotVerifiedError,
  resendForm,
  resendVerification,
  signInForm,
  signUp,
  signUpForm,
  type Throttle,
  verifyEmail,
  verifyForm,
} from '../accounts/accounts.ts';
import type { IdpContext } from '../idp-context.ts';
import { type DeviceCookies, deviceCookies } from './device-cookie.ts';
import {
  type InteractionPage,
  rememberInInteraction,
  renderLogin,
  renderSignUp,
  renderVerify,
  signInTo,
} from './pages.ts';
import { startSecondStep } from './second-step.ts';

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
): Promise<void> {
  const form = postedForm(ctx, signInForm);
  const devices = deviceCookiesOf(idp);
  await attempt(
    ctx,
    async () => {
      const account = await authenticate(idp.orm, {
        ...form,
        throttle: { ...throttle(ctx, idp), knownDevice: (login) => devices.known(ctx, login) },
      });
      devices.remember(ctx, account);
      idp.metrics.signIns.inc({ outcome: 'success' });
      if (await startSecondStep(ctx, idp, page, { accountId: account.id, amr: ['pwd'] })) return;
      await signInTo(ctx, page, { login: { accountId: account.id, acr: 'pwd', amr: ['pwd'] } });
    },
    async (refusal) => {
      if (refusal instanceof EmailNotVerifiedError) {
        idp.metrics.signIns.inc({ outcome: 'unverified' });
        return startVerification(ctx, idp, page, refusal);
      }
      countFailedSignIn(idp, refusal);
      const values = { email: form.email.trim() };
      await renderLogin(ctx, idp, page, { values, message: refusal.message }, refusal.status);
    },
  );
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
): Promise<void> {
  const form = postedForm(ctx, signUpForm());
  await attempt(
    ctx,
    async () => {
      const outcome = await signUp(idp.orm.em.fork(), { ...form, throttle: throttle(ctx, idp) });
      // Whoever enters the code mailed to this address, in this sign-in, is signed in as its account,
      // with the password chosen here if someone else had signed up with the address first.
      const chosen: ChosenPassword | undefined = outcome.passwordHash
        ? { email: outcome.email, passwordHash: outcome.passwordHash }
        : undefined;
      await rememberInInteraction(page, { pendingEmail: outcome.email, chosenPassword: chosen });
      await renderVerify(ctx, idp, page, outcome.email);
    },
    (refusal) => {
      // A password is never sent back to the browser.
      const { password: _, ...values } = form;
      return renderSignUp(ctx, idp, page, { values, ...refusalOf(refusal) }, refusal.status);
    },
  );
}

/**
 * The 6-digit code. Only the address this interaction signed up or proved the password of is
 * signed in: the code proves control of the mailbox, the earlier step ties it to this browser.
 */
export async function verifyInInteraction(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
): Promise<void> {
  const form = postedForm(ctx, verifyForm);
  await attempt(
    ctx,
    async () => {
      const account = await verifyEmail(idp.orm.em.fork(), {
        ...form,
        throttle: throttle(ctx, idp),
        chosenPassword: chosenPassword(page),
      });
      if (account.email === page.result?.pendingEmail) {
        deviceCookiesOf(idp).remember(ctx, account);
        if (await startSecondStep(ctx, idp, page, { accountId: account.id, amr: ['pwd'] })) return;
        await signInTo(ctx, page, { login: { accountId: account.id, acr: 'pwd', amr: ['pwd'] } });
        return;
      }
      await renderLogin(ctx, idp, page, {
        values: { email: form.email },
        notice: 'Your e-mail address is verified. Sign in to continue.',
      });
    },
    (refusal) =>
      renderVerify(ctx, idp, page, form.email, { errors: { code: refusal.message } }, refusal.status),
  );
}

/** "Send a new code": the same answer whether or not the address waits for one. */
export async function resendInInteraction(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
): Promise<void> {
  const form = postedForm(ctx, resendForm);
  await attempt(
    ctx,
    async () => {
      await resendVerification(idp.orm.em.fork(), { ...form, throttle: throttle(ctx, idp) });
      await renderVerify(ctx, idp, page, form.email, {
        notice: 'If this address is waiting for a code, a new one is on its way.',
      });
    },
    (refusal) => renderVerify(ctx, idp, page, form.email, { message: refusal.message }, refusal.status),
  );
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
