import type { Context } from 'koa';
import { AppError } from '../../adapters/http/errors.ts';
import { formFields } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import type { IdpContext } from '../idp-context.ts';
import { type Acr, requestedAcr } from '../provider/sign-in-strength.ts';
import { verifyAuthenticatorCode } from '../second-factors/authenticator-app.ts';
import {
  mayUsePasskeys,
  type PasskeyUse,
  passkeySignInOptions,
  relyingPartyOf,
  verifyPasskeySignIn,
} from '../second-factors/passkeys.ts';
import { useRecoveryCode } from '../second-factors/recovery-codes.ts';
import {
  hasSecondFactor,
  type SecondFactors,
  secondFactorsOfAccount,
} from '../second-factors/second-factors.ts';
import { type InteractionPage, rememberInInteraction, signInTo } from './pages.ts';

/** What the first step proved, kept server-side in the interaction until the second step ends it. */
interface PendingSecondStep {
  readonly accountId: string;
  /** RFC 8176 methods of the first step: `pwd`, or a session's earlier ones (step-up). */
  readonly amr: readonly string[];
}

const NOTHING_PENDING = 'Sign in with your password first.';

/**
 * After the right password, or when an app asks (`acr_values`) for more than the session proved:
 * an account with a second factor gets the second step, one without is told it has none, when
 * the app asked for one. Returns false when neither applies and the sign-in may finish as it is.
 */
export async function startSecondStep(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  pending: PendingSecondStep,
): Promise<boolean> {
  const factors = await secondFactorsOfAccount(idp.orm, pending.accountId);
  if (hasSecondFactor(factors)) {
    await rememberInInteraction(page, { secondStep: pending });
    await renderSecondStep(ctx, idp, page, factors);
    return true;
  }
  const wanted = requestedAcr(page.params.acr_values);
  if (!wanted || wanted === 'pwd') return false;
  await idp.views.render(ctx, 'no-second-factor', {
    title: 'Two-step verification needed',
    setUpUrl: `${idp.base}/account#security`,
    abortUrl: `${idp.base}/interaction/${page.uid}/abort`,
  });
  return true;
}

/** "Enter the code from your authenticator app": the code, accepted once, limited per account. */
export async function secondStepWithCode(ctx: Context, idp: IdpContext, page: InteractionPage) {
  const pending = pendingOf(page);
  const { code = '' } = formFields(ctx);
  await attempt(
    ctx,
    async () => {
      await verifyAuthenticatorCode(idp.orm.em, pending.accountId, code, idp.rateLimits);
      await finish(ctx, page, pending, ['otp'], 'mfa');
    },
    async (refusal) =>
      renderSecondStep(
        ctx,
        idp,
        page,
        await secondFactorsOfAccount(idp.orm, pending.accountId),
        refusalOf(refusal),
        refusal.status,
      ),
  );
}

/** "Use a recovery code": one of the ten, accepted once, limited per account. */
export async function secondStepWithRecoveryCode(ctx: Context, idp: IdpContext, page: InteractionPage) {
  const pending = pendingOf(page);
  const { recoveryCode = '' } = formFields(ctx);
  await attempt(
    ctx,
    async () => {
      await useRecoveryCode(idp.orm.em, pending.accountId, recoveryCode, idp.rateLimits);
      // RFC 8176 has no value for a look-up secret; it is a one-time password of its own kind.
      await finish(ctx, page, pending, ['otp'], 'mfa');
    },
    (refusal) => renderRecoveryCode(ctx, idp, page, refusalOf(refusal), refusal.status),
  );
}

/** The "Use a recovery code" page of a pending second step. */
export function showRecoveryCode(ctx: Context, idp: IdpContext, page: InteractionPage) {
  pendingOf(page);
  return renderRecoveryCode(ctx, idp, page);
}

/** The second-step page again (from the recovery code page's "back" link). */
export async function showSecondStep(ctx: Context, idp: IdpContext, page: InteractionPage) {
  const pending = pendingOf(page);
  await renderSecondStep(ctx, idp, page, await secondFactorsOfAccount(idp.orm, pending.accountId));
}

/** The second-step page with why a passkey was refused. */
export async function showSecondStepRefused(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  refusal: AppError,
) {
  const pending = pendingOf(page);
  const factors = await secondFactorsOfAccount(idp.orm, pending.accountId);
  await renderSecondStep(ctx, idp, page, factors, { message: refusal.message }, refusal.status);
}

/**
 * WebAuthn options for this interaction's passkey sign-in: any discoverable passkey on the sign-in
 * page, the pending account's in a second step. JSON for the page's script.
 */
export async function passkeyOptions(ctx: Context, idp: IdpContext, page: InteractionPage) {
  const pending = page.result?.secondStep as PendingSecondStep | undefined;
  ctx.body = await passkeySignInOptions(idp.orm.em, rpOf(idp), `interaction:${page.uid}`, pending?.accountId);
}

/**
 * "Sign in with a passkey": no e-mail, no password; `acr` `phr`. In a second step, the pending
 * account's passkey only, after its password. A refusal says why on the sign-in page.
 */
export async function signInWithPasskey(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  refused: (refusal: AppError) => Promise<unknown>,
) {
  const pending = page.result?.secondStep as PendingSecondStep | undefined;
  const { response = '' } = formFields(ctx);
  await attempt(
    ctx,
    async () => {
      const use = await verifyPasskeySignIn(
        idp.orm.em,
        rpOf(idp),
        `interaction:${page.uid}`,
        response,
        pending?.accountId,
      );
      if (!(await mayUsePasskeys(idp.orm.em, use.accountId)))
        throw new AppError(
          'PASSKEY_REFUSED',
          403,
          'This account cannot sign in. Sign in with your password to see why.',
        );
      await finish(ctx, page, pending ?? { accountId: use.accountId, amr: [] }, passkeyAmr(use), 'phr');
    },
    refused,
  );
}

/** RFC 8176 §2: a synced passkey is a software-secured key, a device-bound one hardware; UV is `user`. */
function passkeyAmr(use: PasskeyUse): string[] {
  return [use.synced ? 'swk' : 'hwk', 'user'];
}

async function finish(
  ctx: Context,
  page: InteractionPage,
  pending: PendingSecondStep,
  methods: readonly string[],
  acr: Acr,
): Promise<void> {
  const amr = [...new Set([...pending.amr, ...methods, 'mfa'])];
  await signInTo(ctx, page, { login: { accountId: pending.accountId, acr, amr } });
}

function pendingOf(page: InteractionPage): PendingSecondStep {
  const pending = page.result?.secondStep as Partial<PendingSecondStep> | undefined;
  if (typeof pending?.accountId !== 'string' || !Array.isArray(pending.amr))
    throw new AppError('INTERACTION_EXPIRED', 400, NOTHING_PENDING);
  return { accountId: pending.accountId, amr: pending.amr };
}

function rpOf(idp: IdpContext) {
  return relyingPartyOf(idp.config.IDP_ISSUER, idp.config.IDP_NAME);
}

async function renderSecondStep(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  factors: SecondFactors,
  state: { errors?: Record<string, string>; message?: string } = {},
  status = 200,
) {
  const prefix = `${idp.base}/interaction/${page.uid}`;
  await idp.views.render(
    ctx,
    'second-step',
    {
      title: 'Two-step verification',
      factors,
      codeAction: `${prefix}/second-step/code`,
      passkeyAction: `${prefix}/passkey`,
      recoveryUrl: `${prefix}/second-step/recovery`,
      abortUrl: `${prefix}/abort`,
      errors: state.errors ?? {},
      message: state.message,
    },
    status,
  );
}

function renderRecoveryCode(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  state: { errors?: Record<string, string>; message?: string } = {},
  status = 200,
) {
  const prefix = `${idp.base}/interaction/${page.uid}`;
  return idp.views.render(
    ctx,
    'recovery-code',
    {
      title: 'Use a recovery code',
      action: `${prefix}/second-step/recovery`,
      backUrl: `${prefix}/second-step`,
      errors: state.errors ?? {},
      message: state.message,
    },
    status,
  );
}
