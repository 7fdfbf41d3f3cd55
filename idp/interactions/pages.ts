import type { Context } from 'koa';
import type { InteractionResults, UnknownObject } from 'oidc-provider';
import { AppError } from '../../adapters/http/errors.ts';
import type { IdpContext } from '../idp-context.ts';

type Interaction = Awaited<ReturnType<IdpContext['provider']['interactionDetails']>>;

/** The interaction a page belongs to, as oidc-provider keeps it (bound to the browser by cookie). */
export interface InteractionPage {
  /** The stored interaction itself: a step's result is saved into it without reading it again. */
  readonly interaction: Interaction;
  readonly uid: string;
  readonly prompt: string;
  /** Why the provider prompts, e.g. `no_session`, or `acr_step_up` (idp/provider/sign-in-strength.ts). */
  readonly reasons: readonly string[];
  readonly params: UnknownObject;
  readonly clientId: string;
  readonly promptDetails: UnknownObject;
  readonly session?: { accountId: string; acr?: string; amr?: string[] };
  readonly grantId?: string;
  /** What an earlier step of this interaction proved, e.g. the account whose password was right. */
  readonly result?: UnknownObject;
}

const EXPIRED = 'This sign-in page has expired. Go back to the app and start signing in again.';

/**
 * Load the interaction of this request. A missing or expired interaction cookie, another
 * interaction's uid, or a step that does not belong to the current prompt is refused.
 */
export async function interactionPage(
  ctx: Context,
  idp: IdpContext,
  expected?: string,
): Promise<InteractionPage> {
  let details: Interaction;
  try {
    details = await idp.provider.interactionDetails(ctx.req, ctx.res);
  } catch (cause) {
    throw new AppError('INTERACTION_EXPIRED', 400, EXPIRED, { cause });
  }
  if (details.uid !== ctx.params.uid || (expected && details.prompt.name !== expected)) {
    throw new AppError('INTERACTION_EXPIRED', 400, EXPIRED);
  }
  return {
    interaction: details,
    uid: details.uid,
    prompt: details.prompt.name,
    reasons: details.prompt.reasons,
    params: details.params,
    clientId: String(details.params.client_id),
    promptDetails: details.prompt.details,
    session: details.session,
    grantId: details.grantId,
    result: details.result,
  };
}

/** Hand the result to oidc-provider and continue the authorization request (303 so a POST is not replayed). */
export async function signInTo(
  ctx: Context,
  page: InteractionPage,
  result: InteractionResults,
): Promise<void> {
  const returnTo = await saveResult(page.interaction, result);
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/** Remember, server-side in the interaction, what this step proved, without finishing it. */
export async function rememberInInteraction(page: InteractionPage, result: UnknownObject): Promise<void> {
  const { interaction } = page;
  await saveResult(interaction, { ...interaction.lastSubmission, ...result });
}

// What `provider.interactionResult` does, on the interaction `interactionPage` already loaded
// (and checked against the session): it would read both again, one more round trip or two.
async function saveResult(interaction: Interaction, result: InteractionResults): Promise<string> {
  interaction.result = result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}

interface FormState {
  values?: Record<string, string>;
  errors?: Record<string, string>;
  message?: string;
  notice?: string;
}

export async function renderLogin(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  state: FormState = {},
  status = 200,
) {
  const client = await idp.provider.Client.find(page.clientId);
  await renderInteractionPage(ctx, idp, page, 'login', state, status, (prefix) => ({
    title: 'Sign in',
    action: `${prefix}/login`,
    signUpUrl: `${prefix}/signup`,
    passkeyAction: `${prefix}/passkey`,
    abortUrl: `${prefix}/abort`,
    clientName: client?.clientName,
    values: { email: loginHint(page), ...state.values },
  }));
}

export async function renderSignUp(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  state: FormState = {},
  status = 200,
) {
  await renderInteractionPage(ctx, idp, page, 'signup', state, status, (prefix) => ({
    title: 'Create account',
    action: `${prefix}/signup`,
    signInUrl: prefix,
    values: { email: loginHint(page), ...state.values },
  }));
}

export async function renderVerify(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  email: string,
  state: FormState = {},
  status = 200,
) {
  await renderInteractionPage(ctx, idp, page, 'verify', state, status, (prefix) => ({
    title: 'Verify your e-mail',
    action: `${prefix}/verify`,
    resendAction: `${prefix}/resend`,
    email,
  }));
}

/**
 * One page of an interaction: its template with the form's state (field errors, message, notice)
 * and what the page adds, built from the interaction's own path (`…/interaction/UID`).
 */
async function renderInteractionPage(
  ctx: Context,
  idp: IdpContext,
  page: InteractionPage,
  template: string,
  state: FormState,
  status: number,
  view: (prefix: string) => Record<string, unknown>,
): Promise<void> {
  const prefix = `${idp.base}/interaction/${page.uid}`;
  const data = { errors: state.errors ?? {}, message: state.message, notice: state.notice };
  await idp.views.render(ctx, template, { ...data, ...view(prefix) }, status);
}

/** OIDC Core §3.1.2.1 `login_hint`: pre-fills the e-mail (the portal sets it from an invitation). */
function loginHint(page: InteractionPage): string {
  const hint = page.params.login_hint;
  return typeof hint === 'string' && hint.length <= 254 ? hint : '';
}
