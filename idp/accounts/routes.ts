import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../adapters/http/errors.ts';
import { formFields, postedForm } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import type { IdpContext } from '../idp-context.ts';
import type { Account } from './account.entity.ts';
import { appsWithAccess, revokeApp, signOutEverywhere } from './account-apps.ts';
import { deleteAccount, deleteAccountForm } from './account-deletion.ts';
import { accountSignInUrl, endOtherSessions, signedInAccount } from './account-session.ts';
import { changePassword, passwordChangeForm, profileForm, updateProfile } from './accounts.ts';
import { passwordResetRoutes } from './password-reset-routes.ts';

/**
 * The account pages (the guide's "account settings page"): profile, password, apps with access,
 * sign out everywhere, delete account; plus the standalone sign-up entry, the legal pages and password reset.
 */
export function accountRoutes(router: Router, idp: IdpContext): void {
  router.get('/signup', (ctx) => ctx.redirect(accountSignInUrl(idp, { signUp: true })));
  router.get('/terms', (ctx) => idp.views.render(ctx, 'terms', { title: 'Services Agreement' }));
  router.get('/privacy', (ctx) => idp.views.render(ctx, 'privacy', { title: 'Privacy statement' }));

  router.get('/account', async (ctx) => {
    const account = await signedInAccount(ctx, idp);
    if (!account) return ctx.redirect(accountSignInUrl(idp));
    await renderAccount(ctx, idp, account, { notice: noticeFor(ctx.query.done) });
  });

  router.post('/account/profile', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    const form = postedForm(ctx, profileForm());
    await change(ctx, idp, account, form, async () => {
      await updateProfile(idp.orm.em.fork(), account.id, form);
      ctx.redirect(`${idp.base}/account?done=profile`);
    });
  });

  router.post('/account/password', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    const form = postedForm(ctx, passwordChangeForm);
    await change(ctx, idp, account, {}, async () => {
      await changePassword(idp.orm.em.fork(), account.id, {
        ...form,
        throttle: { limits: idp.rateLimits, ip: ctx.ip },
      });
      // Other sessions end (sessionsValidAfter moved); this browser, which proved the password, stays.
      await endOtherSessions(ctx, idp, account.id);
      ctx.redirect(`${idp.base}/account?done=password`);
    });
  });

  router.post('/account/apps/revoke', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    const { clientId = '' } = formFields(ctx);
    await revokeApp(idp.orm, account.id, clientId);
    ctx.redirect(`${idp.base}/account?done=revoked`);
  });

  router.post('/account/sign-out-everywhere', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    await signOutEverywhere(idp.orm, account.id);
    ctx.redirect(`${idp.base}/signed-out`);
  });

  router.post('/account/delete', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    const form = postedForm(ctx, deleteAccountForm);
    await change(ctx, idp, account, {}, async () => {
      await deleteAccount(idp.orm, idp.orm.em.fork(), account.id, {
        ...form,
        throttle: { limits: idp.rateLimits, ip: ctx.ip },
      });
      ctx.redirect(`${idp.base}/signed-out`);
    });
  });

  router.get('/signed-out', (ctx) => idp.views.render(ctx, 'signed-out', { title: 'Signed out' }));
  passwordResetRoutes(router, idp);
}

async function requireAccount(ctx: Context, idp: IdpContext): Promise<Account> {
  const account = await signedInAccount(ctx, idp);
  if (!account) throw new AppError('SIGNED_OUT', 401, 'Your session has ended. Sign in again to continue.');
  return account;
}

/** Run a change; a refusal re-renders the page with `values`, the message and the field errors. */
function change(
  ctx: Context,
  idp: IdpContext,
  account: Account,
  values: Record<string, string>,
  run: () => Promise<void>,
): Promise<void> {
  return attempt(ctx, run, (refusal) =>
    renderAccount(ctx, idp, account, { values, ...refusalOf(refusal) }, refusal.status),
  );
}

async function renderAccount(
  ctx: Context,
  idp: IdpContext,
  account: Account,
  state: {
    values?: Record<string, unknown>;
    errors?: Record<string, string>;
    message?: string;
    notice?: string;
  },
  status = 200,
): Promise<void> {
  const apps = await Promise.all(
    (await appsWithAccess(idp.orm, account.id)).map(async (app) => ({
      clientId: app.clientId,
      name: (await idp.provider.Client.find(app.clientId))?.clientName ?? app.clientId,
    })),
  );
  await idp.views.render(
    ctx,
    'account',
    {
      title: 'Your account',
      account,
      apps,
      values: {
        givenName: account.givenName,
        familyName: account.familyName,
        birthdate: account.birthdate,
        gender: account.gender ?? '',
        ...state.values,
      },
      errors: state.errors ?? {},
      message: state.message,
      notice: state.notice,
      signOutUrl: `${idp.config.IDP_ISSUER}/session/end?client_id=gatehouse-account`,
    },
    status,
  );
}

function noticeFor(done: unknown): string | undefined {
  if (done === 'profile') return 'Your profile is saved.';
  if (done === 'password') return 'Your password is changed. Every other session of your account has ended.';
  if (done === 'revoked') return 'The app no longer has access to your account.';
  return undefined;
}
