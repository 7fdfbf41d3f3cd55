import type { RouterMiddleware } from '@koa/router';
import type { Database } from '../../adapters/db/database.ts';
import { isId } from '../../adapters/db/ids.ts';
import { query, statement } from '../../adapters/db/statements.ts';
import { administers } from '../organizations/access.ts';
import type { PortalContext, PortalRequest, PortalState } from '../portal-context.ts';
import type { SignedIn } from '../sessions/session-store.ts';
import { requireMember, signedInMember } from './gate.ts';

/**
 * A sign-in with two factors or a passkey, as the ID token says (DESIGN.md: `acr` `mfa` or `phr`;
 * RFC 8176 §2: `amr` `mfa`). Read from the ID token the portal itself received over the back
 * channel and verified, never from anything the browser sends.
 */
export function isTwoStepSignIn(signedIn: SignedIn): boolean {
  return signedIn.acr === 'mfa' || signedIn.acr === 'phr' || (signedIn.amr?.includes('mfa') ?? false);
}

const POLICY = statement(
  'portal.organization.two-step-policy',
  'select name, requires_two_step from portal.organization where id = $1',
);

/** The policy of an organization the person is not a member of (a partner's administrator). */
async function policyOf(orm: Database, id: string): Promise<{ name: string; required: boolean } | undefined> {
  const [row] = await query<{ name: string; requires_two_step: boolean }>(orm, POLICY, [id]);
  return row && { name: row.name, required: row.requires_two_step };
}

/**
 * The gate of an organization's pages (`:orgId`): a member of some organization (J12), signed in
 * as strongly as this organization asks (J15). Whether they may see this organization's page at
 * all is the service's call, as before.
 */
export function requireMemberOf(portal: PortalContext): RouterMiddleware<PortalState> {
  const member = requireMember(portal);
  const strength = requireTwoStepWhereAsked(portal);
  return (ctx, next) => member(ctx, () => strength(ctx, next));
}

/**
 * J15, after `requireMember`: the pages of `:orgId` need a two-step sign-in when that
 * organization requires one. A weaker sign-in sees a page that says why, with the ways on; the
 * person's other organizations stay open. An organization they neither belong to nor administer
 * passes on to the route, which answers not found as before.
 */
export function requireTwoStepWhereAsked(portal: PortalContext): RouterMiddleware<PortalState> {
  return async (ctx, next) => {
    const me = signedInMember(ctx);
    const organizationId = ctx.params.orgId ?? '';
    const membership = me.memberships.find((m) => m.organization.id === organizationId);
    const policy = membership
      ? { name: membership.organization.name, required: membership.organization.requiresTwoStep }
      : await administeredPolicy(portal, me.signedIn, organizationId);
    if (policy?.required && !isTwoStepSignIn(me.signedIn))
      return renderTwoStepRequired(ctx, portal, policy.name);
    await next();
  };
}

/**
 * The policy of an organization the person is not a member of, when they administer it (as its
 * partner's administrator); for anyone else none: the route answers not found, so neither the
 * organization's name nor its existence shows (IDOR).
 */
async function administeredPolicy(portal: PortalContext, identity: SignedIn, id: string) {
  if (!isId(id) || !(await administers(portal.domain.orm.em.fork(), identity, id))) return undefined;
  return policyOf(portal.domain.orm, id);
}

async function renderTwoStepRequired(ctx: PortalRequest, portal: PortalContext, organizationName: string) {
  const me = signedInMember(ctx);
  const option = portal.signIn.find(me.signedIn.optionId);
  const again = `/sign-in?option=${encodeURIComponent(me.signedIn.optionId)}&acr=mfa&returnTo=${encodeURIComponent(ctx.originalUrl)}`;
  await portal.views.render(
    ctx,
    'two-step-required',
    {
      title: 'Two-step verification required',
      organizationName,
      setUpUrl: option?.builtIn ? `${option.issuer}/account#security` : undefined,
      signInAgainUrl: again,
    },
    403,
  );
}
