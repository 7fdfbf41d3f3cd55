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
 * The account page's Security section (passkeys, authenticator app, recovery codes), given by the
 * capability that owns it (idp/second-factors/, which stands above this folder): what it shows for
 * an account, and its notices after a change, by `done`.
 */
export interface AccountSecurity {
  section(accountId: string): Promise<unknown>;
  readonly notices: Readonly<Record<string, string>>;
}

/**
 * The account pages (the guide's "account settings page"): profile, password, apps with access,
 * security, sign out everywhere, delete account; plus the standalone sign-up entry, the legal pages and password reset.
 */
export function accountRoutes(router: Router, idp: IdpContext, security?: AccountSecurity): void {
  const renderAccount = (ctx: Context, account: Account, state: AccountState, status = 200) =>
    renderAccountPage(ctx, idp, account, state, status, security);
  const change = (
    ctx: Context,
    account: Account,
    values: Record<string, string>,
    run: () => Promise<void>,
  ): Promise<void> =>
    attempt(ctx, run, (refusal) =>
      renderAccount(ctx, account, { values, ...refusalOf(refusal) }, refusal.status),
    );

  router.get('/signup', (ctx) => ctx.redirect(accountSignInUrl(idp, { signUp: true })));
  router.get('/terms', (ctx) => idp.views.render(ctx, 'terms', { title: 'Services Agreement' }));
  router.get('/privacy', (ctx) => idp.views.render(ctx, 'privacy', { title: 'Privacy statement' }));

  router.get('/account', async (ctx) => {
    const account = await signedInAccount(ctx, idp);
    if (!account) return ctx.redirect(accountSignInUrl(idp));
    await renderAccount(ctx, account, { notice: noticeFor(ctx.query.done, security) });
  });

  router.post('/account/profile', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    const form = postedForm(ctx, profileForm());
    await change(ctx, account, form, async () => {
      await updateProfile(idp.orm.em.fork(), account.id, form);
      ctx.redirect(`${idp.base}/account?done=profile`);
    });
  });

  router.post('/account/password', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    const form = postedForm(ctx, passwordChangeForm);
    await change(ctx, account, {}, async () => {
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
    await change(ctx, account, {}, async () => {
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

interface AccountState {
  values?: Record<string, unknown>;
  errors?: Record<string, string>;
  message?: string;
  notice?: string;
}

async function renderAccountPage(
  ctx: Context,
  idp: IdpContext,
  account: Account,
  state: AccountState,
  status: number,
  security: AccountSecurity | undefined,
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
      security: await security?.section(account.id),
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

function noticeFor(done: unknown, security: AccountSecurity | undefined): string | undefined {
  if (typeof done === 'string' && security && Object.hasOwn(security.notices, done))
    return security.notices[done];
  if (done === 'profile') return 'Your profile is saved.';
  if (done === 'password') return 'Your password is changed. Every other session of your account has ended.';
  if (done === 'revoked') return 'The app no longer has access to your account.';
  return undefined;
}
