import type { Database } from '../adapters/db/database.ts';
import { serverSecret } from '../adapters/db/server-secrets.ts';
import type { Config } from '../config/config.ts';
import type { PortalMetrics } from './portal-metrics.ts';

/** An IdP identity: who signed in, as the IdP names them (OIDC Core §2: `iss` + `sub`). */
export interface Identity {
  readonly issuer: string;
  readonly subject: string;
}

/** An identity with the claims the invitation rule needs. */
export interface VerifiedIdentity extends Identity {
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string;
}

/**
 * Who performs a change: a signed-in person (who must administer the organization), or the
 * system itself (CLI, demo seed), which has no identity and is trusted.
 */
export interface Actor {
  readonly label: string;
  readonly identity?: Identity;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ label: 'system' });

/** What the portal's service functions need: the database and how invitation links are made. */
export interface PortalDomain {
  readonly orm: Database;
  /** `PORTAL_URL`: the base of invitation links. */
  readonly portalUrl: string;
  readonly productName: string;
  /** HS256 key of invitation tokens. */
  readonly invitationKey: Uint8Array;
  readonly invitationTtlSeconds: number;
  readonly now?: () => Date;
  /** Counts invitations sent and claimed; unset (service tests), nothing is counted. */
  readonly metrics?: Pick<PortalMetrics, 'invitationsSent' | 'invitationsClaimed'>;
}

export function nowOf(domain: PortalDomain): Date {
  return domain.now?.() ?? new Date();
}

/** How long an invitation link works. */
const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The domain of one portal (or one CLI run) from the configuration: invitation links on
 * `PORTAL_URL`, signed with `INVITATION_SECRET` or, without one, the key kept in the database.
 *
 * @example
 *   const domain = await portalDomain(config, orm);
 *   await createOrganization(domain, { actor: SYSTEM_ACTOR, name: 'Northwind', admin });
 */
export async function portalDomain(
  config: Config,
  orm: Database,
  metrics?: PortalDomain['metrics'],
): Promise<PortalDomain> {
  const secret = config.INVITATION_SECRET ?? (await serverSecret(orm, 'portal', 'invitation'));
  return {
    orm,
    portalUrl: config.PORTAL_URL,
    productName: config.PORTAL_NAME,
    invitationKey: new TextEncoder().encode(secret),
    invitationTtlSeconds: INVITATION_TTL_SECONDS,
    metrics,
  };
}
