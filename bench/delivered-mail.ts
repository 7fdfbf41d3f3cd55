import { setTimeout as sleep } from 'node:timers/promises';

/** The mail the IdP delivered to the bench's SMTP receiver, counted. */
export interface DeliveredMail {
  /** Mails received so far. */
  total(): number;
  /** Count one more (the receiver's `onMail`). */
  received(): void;
  /** Wait until `total` mails in all have arrived; fails after `timeoutMs`. */
  waitFor(total: number, timeoutMs?: number): Promise<void>;
}

/**
 * A scenario that makes the IdP send mail while it prepares (adding passkeys tells their owner)
 * waits for the outbox to deliver it all, so sending it does not land in the measured windows.
 */
export function deliveredMail(): DeliveredMail {
  let count = 0;
  return {
    total: () => count,
    received: () => {
      count += 1;
    },
    async waitFor(total, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      while (count < total) {
        if (Date.now() > end) throw new Error(`the IdP delivered ${count} mails, not ${total}`);
        await sleep(50);
      }
    },
  };
}
