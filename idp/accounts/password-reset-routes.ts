import type Router from '@koa/router';
import { isAppError } from '../../adapters/http/errors.ts';
import { formFields } from '../../adapters/http/forms.ts';
import type { IdpContext } from '../idp-context.ts';
import { endSessions } from './account-apps.ts';
import { requestPasswordReset, resetPassword } from './accounts.ts';

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
    const { email = '' } = formFields(ctx);
    try {
      await requestPasswordReset(idp.orm.em.fork(), {
        email,
        throttle: { limits: idp.rateLimits, ip: ctx.ip },
        resetUrl: (token) => `${idp.config.IDP_ISSUER}/reset-password?token=${encodeURIComponent(token)}`,
      });
    } catch (error) {
      if (!isAppError(error) || error.status >= 500) throw error;
      return idp.views.render(
        ctx,
        'forgot-password',
        { title: 'Forgot password', values: { email }, errors: { ...error.fields }, message: error.message },
        error.status,
      );
    }
    await idp.views.render(ctx, 'forgot-password-sent', { title: 'Check your e-mail', email });
  });

  router.get('/reset-password', (ctx) =>
    idp.views.render(ctx, 'reset-password', {
      title: 'Choose a new password',
      token: String(ctx.query.token ?? ''),
      errors: {},
    }),
  );

  router.post('/reset-password', async (ctx) => {
    const { token = '', newPassword = '' } = formFields(ctx);
    try {
      const account = await resetPassword(idp.orm.em.fork(), { token, newPassword });
      await endSessions(idp.orm, account.id);
    } catch (error) {
      if (!isAppError(error) || error.status >= 500) throw error;
      // A dead link gets no form to fill again, only the way to a new one; a refused password
      // keeps the link and says what is wrong next to the field.
      return idp.views.render(
        ctx,
        'reset-password',
        {
          title: 'Choose a new password',
          token,
          linkInvalid: isAppError(error, 'RESET_LINK_INVALID'),
          errors: { ...error.fields },
          message: error.message,
        },
        error.status,
      );
    }
    await idp.views.render(ctx, 'reset-password-done', { title: 'Password changed' });
  });
}
