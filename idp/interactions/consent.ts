import type { Context } from 'koa';
import type { IdpContext } from '../idp-context.ts';
import { CLAIMS } from '../provider/configuration.ts';
import { type InteractionPage, signInTo } from './pages.ts';

const SCOPE_WORDS: Record<string, string> = {
  openid: 'Sign you in',
  profile: `See your profile (${CLAIMS.profile.join(', ')})`,
  email: 'See your e-mail address',
  offline_access: 'Keep access while you are away',
};

/**
 * Consent for third-party apps; remembered as a Grant so the person is asked once per app.
 * First-party apps never reach this page (provider/configuration.ts `loadExistingGrant`).
 */
export const consentRoutes = {
  async show(ctx: Context, idp: IdpContext, page: InteractionPage) {
    const client = await idp.provider.Client.find(page.clientId);
    const scopes = (page.promptDetails.missingOIDCScope as string[] | undefined) ?? [];
    const prefix = `${idp.base}/interaction/${page.uid}`;
    await idp.views.render(ctx, 'consent', {
      title: 'Allow access',
      clientName: client?.clientName ?? page.clientId,
      asks: scopes.map((s) => SCOPE_WORDS[s] ?? s),
      action: `${prefix}/confirm`,
      abortUrl: `${prefix}/abort`,
    });
  },

  async confirm(ctx: Context, idp: IdpContext, page: InteractionPage) {
    const { Grant } = idp.provider;
    const accountId = page.session!.accountId;
    const existing = page.grantId ? await Grant.find(page.grantId) : undefined;
    const grant = existing ?? new Grant({ accountId, clientId: page.clientId });
    const details = page.promptDetails as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await signInTo(ctx, page, { consent: { grantId } });
  },
};
