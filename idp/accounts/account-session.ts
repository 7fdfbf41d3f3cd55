import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../clients/clients.ts';
import type { IdpContext } from '../idp-context.ts';
import { browserSession, renewBrowserSession } from '../patches/provider-session.ts';
import { Account } from './account.entity.ts';
import { endSessions } from './account-apps.ts';

/**
 * The account-settings pages read the provider's own session: the person signed in at the IdP.
 * A session older than the account's `sessionsValidAfter` (password changed, signed out
 * everywhere) counts as signed out.
 */
export async function signedInAccount(ctx: Context, idp: IdpContext): Promise<Account | undefined> {
  const session = await browserSession(idp.provider, ctx);
  if (!session.accountId) return undefined;
  const account = await idp.orm.em.fork().findOne(Account, { id: session.accountId });
  if (!account) return undefined;
  const authTime = session.authTime();
  if (authTime === undefined || authTime * 1000 < account.sessionsValidAfter.getTime() - 999)
    return undefined;
  return account;
}

/**
 * Where to send someone who must sign in (or sign up) to reach their account pages: an ordinary
 * authorization request of the account-settings client, so sign-in and sign-up use one set of pages.
 */
export function accountSignInUrl(
  idp: IdpContext,
  options: { signUp?: boolean; prompt?: string } = {},
): string {
  const url = new URL(`${idp.config.IDP_ISSUER}/auth`);
  url.searchParams.set('client_id', ACCOUNT_CLIENT_ID);
  url.searchParams.set('response_type', 'none');
  url.searchParams.set('scope', 'openid');
  url.searchParams.set('redirect_uri', `${idp.config.IDP_ISSUER}/account`);
  if (options.signUp) url.searchParams.set('screen_hint', 'signup');
  if (options.prompt) url.searchParams.set('prompt', options.prompt);
  return url.toString();
}

/**
 * End every session of the account but this browser's, after its own password change (the others
 * may be an attacker's). This one is stored again under a new id, so an id known from before is
 * worthless (OWASP Session Management Cheat Sheet, "Renew the Session ID After Any Privilege Level
 * Change"), and re-dated after the change, so `sessionsValidAfter` keeps honouring it.
 */
export async function endOtherSessions(ctx: Context, idp: IdpContext, accountId: string): Promise<void> {
  const session = await browserSession(idp.provider, ctx);
  const own = session.accountId === accountId ? session.uid : undefined;
  await endSessions(idp.orm, accountId, { keepSessionUid: own });
  if (session.accountId !== accountId || typeof session.exp !== 'number') return;
  await renewBrowserSession(idp.provider, ctx, session, {
    secure: idp.config.IDP_ISSUER.startsWith('https://'),
  });
}
