import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../adapters/http/errors.ts';
import { formFields } from '../../adapters/http/forms.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import type { Account } from '../accounts/account.entity.ts';
import { signedInAccount } from '../accounts/account-session.ts';
import type { IdpContext } from '../idp-context.ts';
import {
  confirmAuthenticatorApp,
  pendingAuthenticatorAppSetup,
  removeAuthenticatorApp,
  startAuthenticatorAppSetup,
} from './authenticator-app.ts';
import {
  addPasskey,
  passkeyRegistrationOptions,
  relyingPartyOf,
  removePasskey,
  renamePasskey,
} from './passkeys.ts';
import { recentSignIn } from './recent-sign-in.ts';
import { createRecoveryCodes } from './recovery-codes.ts';

/**
 * The Security section's actions (J14): Add a passkey, rename and remove one, Set up an
 * authenticator app, Recovery codes. Adding or removing a factor needs a sign-in within the last
 * 5 minutes; every change e-mails the owner (in the change's transaction, through the outbox).
 */
export function secondFactorRoutes(router: Router, idp: IdpContext): void {
  const rp = relyingPartyOf(idp.config.IDP_ISSUER, idp.config.IDP_NAME);
  const done = (ctx: Context, what: string) => {
    ctx.status = 303;
    ctx.redirect(`${idp.base}/account?done=${what}#security`);
  };

  router.get('/account/passkeys/new', async (ctx) => {
    await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    await renderAddPasskey(ctx, idp);
  });

  router.post('/account/passkeys/options', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    ctx.body = await passkeyRegistrationOptions(idp.orm.em, rp, account);
  });

  router.post('/account/passkeys', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    const { response = '', name = '' } = formFields(ctx);
    await attempt(
      ctx,
      async () => {
        await addPasskey(idp.orm.em, rp, account, { response, name });
        done(ctx, 'passkey-added');
      },
      (refusal) => renderAddPasskey(ctx, idp, { values: { name }, ...refusalOf(refusal) }, refusal.status),
    );
  });

  router.post('/account/passkeys/:id/rename', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    await renamePasskey(idp.orm.em, account.id, String(ctx.params.id), formFields(ctx).name ?? '');
    done(ctx, 'passkey-renamed');
  });

  router.post('/account/passkeys/:id/remove', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    await removePasskey(idp.orm.em, account, String(ctx.params.id));
    done(ctx, 'passkey-removed');
  });

  router.get('/account/authenticator-app', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    const setup = await startAuthenticatorAppSetup(idp.orm.em.fork(), account, idp.config.IDP_NAME);
    if (!setup) return done(ctx, 'authenticator-app-exists');
    await renderAuthenticatorApp(ctx, idp, setup);
  });

  router.post('/account/authenticator-app', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    const { code = '' } = formFields(ctx);
    await attempt(
      ctx,
      async () => {
        await confirmAuthenticatorApp(idp.orm.em.fork(), account, code, idp.rateLimits);
        done(ctx, 'authenticator-app-added');
      },
      async (refusal) => {
        const setup = await pendingAuthenticatorAppSetup(idp.orm.em.fork(), account, idp.config.IDP_NAME);
        await renderAuthenticatorApp(ctx, idp, setup, refusalOf(refusal), refusal.status);
      },
    );
  });

  router.post('/account/authenticator-app/remove', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    await removeAuthenticatorApp(idp.orm.em.fork(), account);
    done(ctx, 'authenticator-app-removed');
  });

  router.post('/account/recovery-codes', async (ctx) => {
    const account = await requireAccount(ctx, idp);
    if (!(await recentSignIn(ctx, idp))) return;
    const codes = await createRecoveryCodes(idp.orm.em.fork(), account);
    // Shown on this response only: never stored in the clear, never in a URL.
    await idp.views.render(ctx, 'recovery-codes', { title: 'Recovery codes', codes });
  });
}

async function requireAccount(ctx: Context, idp: IdpContext): Promise<Account> {
  const account = await signedInAccount(ctx, idp);
  if (!account) throw new AppError('SIGNED_OUT', 401, 'Your session has ended. Sign in again to continue.');
  return account;
}

interface FormState {
  values?: Record<string, string>;
  errors?: Record<string, string>;
  message?: string;
}

function renderAddPasskey(ctx: Context, idp: IdpContext, state: FormState = {}, status = 200) {
  return idp.views.render(
    ctx,
    'add-passkey',
    {
      title: 'Add a passkey',
      values: state.values ?? {},
      errors: state.errors ?? {},
      message: state.message,
    },
    status,
  );
}

function renderAuthenticatorApp(
  ctx: Context,
  idp: IdpContext,
  setup: { secret: string; qrSvg: string } | undefined,
  state: FormState = {},
  status = 200,
) {
  return idp.views.render(
    ctx,
    'authenticator-app',
    { title: 'Set up an authenticator app', setup, errors: state.errors ?? {}, message: state.message },
    status,
  );
}
