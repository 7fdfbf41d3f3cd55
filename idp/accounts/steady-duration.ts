import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long a request that mails a known address, and silently does nothing for an unknown one,
 * takes at least: well above the few milliseconds issuing a code and queueing its mail cost.
 */
export const MAIL_REQUEST_MIN_MS = 200;

/**
 * Run `work` and answer, with its result or its error, no sooner than `ms` after the start. Used
 * where the work differs by whether an address has an account, so the answer's timing reveals no
 * more than its content (ASVS 2.2.1; OWASP Forgot Password Cheat Sheet, "consistent response
 * time").
 */
export async function withMinimumDuration<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const floor = sleep(ms);
  try {
    return await work();
  } finally {
    await floor;
  }
}
