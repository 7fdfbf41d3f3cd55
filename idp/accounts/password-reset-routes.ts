import type Router from '@koa/router';
import { isAppError } from '../../adapters/http/errors.ts';
import { postedForm } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import type { IdpContext } from '../idp-context.ts';
import { endSessions } from './account-apps.ts';
import { forgotPasswordForm, requestPasswordReset, resetPassword, resetPasswordForm } from './accounts.ts';

/**
 * "Forgot password": an e-mailed single-use link, valid 30 minutes. Known and unknown addresses
 * get the same answer. The token travels in the query string of a page served with
 * `Referrer-Policy: no-referrer`, and request logs omit query strings.
 */
export function passwordResetRoutes(router: Router, idp: IdpContext): void {
  router.get('/forgot-password', (ctx) =>
    idp.views.render(ctx, 'forgot-password', { title: 'Forgot password', values: {}, errors: {} }),
  );

  router.post('/forgot-password', async (ctx) => {
    const form = postedForm(ctx, forgotPasswordForm);
    await attempt(
      ctx,
      async () => {
        await requestPasswordReset(idp.orm.em.fork(), {
          ...form,
          throttle: { limits: idp.rateLimits, ip: ctx.ip },
          resetUrl: (token) => `${idp.config.IDP_ISSUER}/reset-password?token=${encodeURIComponent(token)}`,
        });
        await idp.views.render(ctx, 'forgot-password-sent', {
          title: 'Check your e-mail',
          email: form.email,
        });
      },
      (refusal) =>
        idp.views.render(
          ctx,
          'forgot-password',
          { title: 'Forgot password', values: form, ...refusalOf(refusal) },
          refusal.status,
        ),
    );
  });

  router.get('/reset-password', (ctx) =>
    idp.views.render(ctx, 'reset-password', {
      title: 'Choose a new password',
      token: String(ctx.query.token ?? ''),
      errors: {},
    }),
  );

  router.post('/reset-password', async (ctx) => {
    const form = postedForm(ctx, resetPasswordForm);
    await attempt(
      ctx,
      async () => {
        const account = await resetPassword(idp.orm.em.fork(), form);
        await endSessions(idp.orm, account.id);
        await idp.views.render(ctx, 'reset-password-done', { title: 'Password changed' });
      },
      // A dead link gets no form to fill again, only the way to a new one; a refused password
      // keeps the link and says what is wrong next to the field.
      (refusal) =>
        idp.views.render(
          ctx,
          'reset-password',
          {
            title: 'Choose a new password',
            token: form.token,
            linkInvalid: isAppError(refusal, 'RESET_LINK_INVALID'),
            ...refusalOf(refusal),
          },
          refusal.status,
        ),
    );
  });
}
