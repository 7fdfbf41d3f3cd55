import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { executeIn, queryIn, statement } from '../../adapters/db/statements.ts';

/** At most one mail of a kind to one address per minute. */
const MAIL_COOLDOWN_MS = 60_000;

export type CooldownPurpose = 'verify-email' | 'reset-password';

// Rows only matter for a minute: sweeping them on each start keeps the table a minute's worth of requests.
const SWEEP = statement('idp.mail-cooldown.sweep', 'delete from idp.mail_cooldown where sent_at <= $1');
const START = statement(
  'idp.mail-cooldown.start',
  `insert into idp.mail_cooldown (address_hash, purpose, sent_at) values ($1, $2, $3)
   on conflict (address_hash, purpose) do nothing
   returning sent_at`,
);
const RUNNING = statement(
  'idp.mail-cooldown.running',
  'select sent_at from idp.mail_cooldown where address_hash = $1 and purpose = $2',
);
const RESTART = statement(
  'idp.mail-cooldown.restart',
  `insert into idp.mail_cooldown (address_hash, purpose, sent_at) values ($1, $2, $3)
   on conflict (address_hash, purpose) do update set sent_at = excluded.sent_at`,
);

/**
 * Start the cooldown of mails of this purpose to `address`, or say how many seconds are left of
 * the running one (0: started, go ahead). Kept per *address*, whether an account has it or not,
 * so asking twice answers the same for registered and unknown addresses (no enumeration,
 * ASVS 2.2.1 / OWASP Forgot Password Cheat Sheet). Atomic under concurrent requests. Runs in the
 * transaction of `em`, with the mail it lets out.
 */
export async function startMailCooldown(
  em: EntityManager,
  address: string,
  purpose: CooldownPurpose,
  now: Date,
): Promise<number> {
  await executeIn(em, SWEEP, [new Date(now.getTime() - MAIL_COOLDOWN_MS)]);
  const started = await queryIn(em, START, [addressHash(address), purpose, now]);
  if (started.length > 0) return 0;
  const [running] = await queryIn<{ sent_at: string }>(em, RUNNING, [addressHash(address), purpose]);
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
  await executeIn(em, RESTART, [addressHash(address), purpose, now]);
}

function addressHash(address: string): string {
  return createHash('sha256').update(address).digest('base64url');
}
