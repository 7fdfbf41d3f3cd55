import type { Context } from 'koa';
import { accountSignInUrl } from '../accounts/account-session.ts';
import type { IdpContext } from '../idp-context.ts';
import { browserSession } from '../patches/provider-session.ts';

/** How recent a sign-in must be to add or remove a factor (NIST SP 800-63B §4.1.3, ASVS 5.0 V6.3.6). */
export const RECENT_SIGN_IN_SECONDS = 5 * 60;

/**
 * True when this browser's sign-in is at most 5 minutes old. Otherwise the person is sent to sign
 * in again (`prompt=login`), which brings them back to the account settings, and false is returned:
 * a stolen session, however fresh its cookie, cannot add its own passkey or remove the owner's.
 */
export async function recentSignIn(ctx: Context, idp: IdpContext): Promise<boolean> {
  const session = await browserSession(idp.provider, ctx);
  const authTime = session.authTime();
  if (authTime !== undefined && Date.now() / 1000 - authTime <= RECENT_SIGN_IN_SECONDS) return true;
  ctx.status = 303;
  ctx.redirect(accountSignInUrl(idp, { prompt: 'login' }));
  return false;
}
