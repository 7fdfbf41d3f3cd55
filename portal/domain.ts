import type { Database } from '../adapters/db/database.ts';
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
