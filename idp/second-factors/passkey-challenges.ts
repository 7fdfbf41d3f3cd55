import type { EntityManager } from '@mikro-orm/core';
import { PasskeyChallenge } from './second-factor.entity.ts';

/** How long a browser has to answer a challenge: WebAuthn §15.1 suggests 5 minutes with UV. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** Keep `challenge` for what asked for it; expired challenges of anyone are swept on the way. */
export async function keepChallenge(em: EntityManager, challenge: string, boundTo: string): Promise<void> {
  const now = new Date();
  const tx = em.fork();
  await tx.nativeDelete(PasskeyChallenge, { expiresAt: { $lt: now } });
  await tx.insert(PasskeyChallenge, {
    challenge,
    boundTo,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
  });
}

/**
 * True once: the first response carrying `challenge`, for what it was handed to and in time,
 * consumes it (one `delete`, so two racing responses cannot both win); a replay finds nothing.
 */
export async function consumeChallenge(
  em: EntityManager,
  challenge: string,
  boundTo: string,
): Promise<boolean> {
  const deleted = await em
    .fork()
    .nativeDelete(PasskeyChallenge, { challenge, boundTo, expiresAt: { $gt: new Date() } });
  return deleted === 1;
}
