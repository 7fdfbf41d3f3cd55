import type Router from '@koa/router';
import type { IdpContext } from '../idp-context.ts';
import { STEP_UP_REASON } from '../provider/sign-in-strength.ts';
import { consentRoutes } from './consent.ts';
import { interactionPage, renderLogin, renderSignUp, signInTo } from './pages.ts';
import {
  passkeyOptions,
  secondStepWithCode,
  secondStepWithRecoveryCode,
  showRecoveryCode,
  showSecondStep,
  showSecondStepRefused,
  signInWithPasskey,
  startSecondStep,
} from './second-step.ts';
import {
  resendInInteraction,
  signInWithPassword,
  signUpInInteraction,
  verifyInInteraction,
} from './sign-in.ts';

/**
 * The provider's interaction pages: sign in, sign up inside the same authorization request,
 * e-mail verification, consent. Every finished step hands the result back to oidc-provider, which
 * continues the authorization request (OIDC Core §3.1.2.3).
 */
export function interactionRoutes(router: Router, idp: IdpContext): void {
  router.get('/interaction/:uid', async (ctx) => {
    const page = await interactionPage(ctx, idp);
    if (page.prompt === 'consent') return consentRoutes.show(ctx, idp, page);
    if (page.params.screen_hint === 'signup') return renderSignUp(ctx, idp, page);
    // An app asks for more than this session's sign-in proved: the second step only.
    const session = page.session;
    if (page.reasons.includes(STEP_UP_REASON) && session?.accountId) {
      const pending = { accountId: session.accountId, amr: session.amr ?? ['pwd'] };
      if (await startSecondStep(ctx, idp, page, pending)) return;
    }
    return renderLogin(ctx, idp, page);
  });

  router.get('/interaction/:uid/second-step', async (ctx) => {
    await showSecondStep(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/second-step/code', async (ctx) => {
    await secondStepWithCode(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.get('/interaction/:uid/second-step/recovery', async (ctx) => {
    await showRecoveryCode(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/second-step/recovery', async (ctx) => {
    await secondStepWithRecoveryCode(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/passkey/options', async (ctx) => {
    await passkeyOptions(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/passkey', async (ctx) => {
    const page = await interactionPage(ctx, idp, 'login');
    await signInWithPasskey(ctx, idp, page, async (refusal) => {
      if (page.result?.secondStep) return showSecondStepRefused(ctx, idp, page, refusal);
      return renderLogin(ctx, idp, page, { message: refusal.message }, refusal.status);
    });
  });

  router.get('/interaction/:uid/signup', async (ctx) =>
    renderSignUp(ctx, idp, await interactionPage(ctx, idp)),
  );

  router.post('/interaction/:uid/login', async (ctx) => {
    await signInWithPassword(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/signup', async (ctx) => {
    await signUpInInteraction(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/verify', async (ctx) => {
    await verifyInInteraction(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/resend', async (ctx) => {
    await resendInInteraction(ctx, idp, await interactionPage(ctx, idp, 'login'));
  });

  router.post('/interaction/:uid/confirm', async (ctx) => {
    const page = await interactionPage(ctx, idp, 'consent');
    await consentRoutes.confirm(ctx, idp, page);
  });

  router.get('/interaction/:uid/abort', async (ctx) => {
    const page = await interactionPage(ctx, idp);
    await signInTo(ctx, page, {
      error: 'access_denied',
      error_description: 'The person cancelled the sign-in.',
    });
  });
}
