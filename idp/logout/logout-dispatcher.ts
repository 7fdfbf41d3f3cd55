import type { EntityManager } from '@mikro-orm/core';
import type Provider from 'oidc-provider';
import type { Database } from '../../adapters/db/database.ts';
import { executeIn, queryIn, statement } from '../../adapters/db/statements.ts';
import { pollLoop } from '../../adapters/jobs/poll-loop.ts';
import type { Logger } from '../../adapters/log/logger.ts';
import type { Backoff } from '../../adapters/mail/dispatcher.ts';

interface Delivery {
  readonly id: string;
  readonly client_id: string;
  readonly sub: string;
  readonly sid: string | null;
  readonly attempts: number;
  /** Whole seconds since the delivery was queued. */
  readonly age: number;
}

export interface LogoutDispatcherOptions {
  readonly orm: Database;
  /** The provider serving now: it signs the logout tokens with the current keys. */
  readonly provider: () => Provider;
  readonly logger: Logger;
  /** Called once per delivery given up (a metric). */
  readonly onGiveUp?: () => void;
  /** Pause between polls when nothing is due. Default 1 s. */
  readonly pollMs?: number;
  /** Default 2 s doubling up to 5 min. */
  readonly backoff?: Backoff;
  /** A delivery still failing this long after it was queued is dropped. Default 24 hours. */
  readonly giveUpAfterSeconds?: number;
}

const DEFAULT_BACKOFF: Backoff = { baseMs: 2_000, maxMs: 5 * 60_000 };
const BATCH = 50;

// FOR UPDATE … SKIP LOCKED: every instance runs a dispatcher, each takes a different row, none
// waits for another and none sends a delivery another holds.
const NEXT_DUE = statement(
  'idp.backchannel-logout.next-due',
  `select id, client_id, sub, sid, attempts,
      floor(extract(epoch from now() - created_at))::int as age
    from idp.backchannel_logout where next_attempt_at <= now()
    order by next_attempt_at, id limit 1 for update skip locked`,
);
const DONE = statement('idp.backchannel-logout.done', 'delete from idp.backchannel_logout where id = $1');
const RETRY_LATER = statement(
  'idp.backchannel-logout.retry-later',
  `update idp.backchannel_logout set attempts = attempts + 1, last_error = $1,
     next_attempt_at = now() + $2::float8 * interval '1 millisecond' where id = $3`,
);

/**
 * Send the queued back-channel logouts (OpenID Connect Back-Channel Logout 1.0 §2.5): a logout
 * token signed by the provider, POSTed to the app's `backchannel_logout_uri`. A delivery the app
 * does not accept (down, 5xx) is retried with backoff, and given up — logged and counted — only
 * after `giveUpAfterSeconds`; an app that no longer exists or has no URI is dropped at once.
 *
 * @example
 *   const dispatcher = createLogoutDispatcher({ orm, provider: () => idp.provider, logger });
 *   dispatcher.start(); // … await dispatcher.stop();
 */
export function createLogoutDispatcher(options: LogoutDispatcherOptions) {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const giveUpAfter = options.giveUpAfterSeconds ?? 24 * 3600;

  const done = (tx: EntityManager, id: string) => executeIn(tx, DONE, [id]);

  const deliverNext = (): Promise<'sent' | 'failed' | 'empty'> =>
    options.orm.em.fork().transactional(async (tx) => {
      const [delivery] = await queryIn<Delivery>(tx, NEXT_DUE, []);
      if (!delivery) return 'empty';
      try {
        await send(options.provider(), delivery);
      } catch (error) {
        await failed(tx, delivery, error);
        return 'failed';
      }
      await done(tx, delivery.id);
      return 'sent';
    });

  const failed = async (tx: EntityManager, delivery: Delivery, error: unknown) => {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const fields = { clientId: delivery.client_id, attempts: delivery.attempts + 1, err: reason };
    if (delivery.age >= giveUpAfter) {
      await done(tx, delivery.id);
      options.onGiveUp?.();
      options.logger.error(fields, 'back-channel logout given up: the app never accepted it');
      return;
    }
    const delayMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** delivery.attempts);
    await executeIn(tx, RETRY_LATER, [reason, delayMs, delivery.id]);
    options.logger.warn({ ...fields, retryInMs: delayMs }, 'back-channel logout not accepted, will retry');
  };

  // Unlike mail, one app being down says nothing of the others: keep going through the batch.
  const drainOnce = async (): Promise<number> => {
    let handled = 0;
    while (handled < BATCH && (await deliverNext()) !== 'empty') handled += 1;
    return handled;
  };
  const loop = pollLoop(drainOnce, {
    batchSize: BATCH,
    pollMs: options.pollMs ?? 1_000,
    onError: (error) => options.logger.error({ err: error }, 'back-channel logout queue unavailable'),
  });
  return { drainOnce, start: loop.start, stop: loop.stop };
}

async function send(provider: Provider, delivery: Delivery): Promise<void> {
  const client = await provider.Client.find(delivery.client_id);
  // Gone, or no longer asking to be told: nothing to deliver.
  if (!client?.backchannelLogoutUri) return;
  // oidc-provider's own sender (its typings omit it): the token, its signing and the POST.
  const withLogout = client as unknown as { backchannelLogout(sub: string, sid?: string): Promise<void> };
  await withLogout.backchannelLogout(delivery.sub, delivery.sid ?? undefined);
}
