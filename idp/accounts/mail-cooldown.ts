import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

/** At most one mail of a kind to one address per minute. */
const MAIL_COOLDOWN_MS = 60_000;

export type CooldownPurpose = 'verify-email' | 'reset-password';

/**
 * Start the cooldown of mails of this purpose to `address`, or say how many seconds are left of
 * the running one (0: started, go ahead). Kept per *address*, whether an account has it or not,
 * so asking twice answers the same for registered and unknown addresses (no enumeration,
 * ASVS 2.2.1 / OWASP Forgot Password Cheat Sheet). Atomic under concurrent requests.
 */
export async function startMailCooldown(
  em: EntityManager,
  address: string,
  purpose: CooldownPurpose,
  now: Date,
): Promise<number> {
  const table = cooldownTable(em);
  const since = new Date(now.getTime() - MAIL_COOLDOWN_MS);
  // Rows only matter for a minute: sweeping them here keeps the table a minute's worth of requests.
  await em.execute(`delete from ${table} where sent_at <= ?`, [since]);
  const started = await em.execute<{ sent_at: Date }[]>(
    `insert into ${table} (address_hash, purpose, sent_at) values (?, ?, ?)
     on conflict (address_hash, purpose) do nothing
     returning sent_at`,
    [addressHash(address), purpose, now],
  );
  if (started.length > 0) return 0;
  const [running] = await em.execute<{ sent_at: Date }[]>(
    `select sent_at from ${table} where address_hash = ? and purpose = ?`,
    [addressHash(address), purpose],
  );
  // The row may have been swept in between: then there is nothing left to wait for.
  if (!running) return 0;
  return Math.max(
    1,
    Math.ceil((new Date(running.sent_at).getTime() + MAIL_COOLDOWN_MS - now.getTime()) / 1000),
  );
}

/** Restart the cooldown whatever its state: a mail is going out now in any case. */
export async function restartMailCooldown(
  em: EntityManager,
  address: string,
  purpose: CooldownPurpose,
  now: Date,
): Promise<void> {
  await em.execute(
    `insert into ${cooldownTable(em)} (address_hash, purpose, sent_at) values (?, ?, ?)
     on conflict (address_hash, purpose) do update set sent_at = excluded.sent_at`,
    [addressHash(address), purpose, now],
  );
}

function cooldownTable(em: EntityManager): string {
  return `"${em.config.get('schema')}".mail_cooldown`;
}

function addressHash(address: string): string {
  return createHash('sha256').update(address).digest('base64url');
}
