import { type ReceivedMail, startSmtpReceiver } from '../../adapters/mail/smtp-receiver.ts';
import { documentOf } from './html-page.ts';

/** A mail as a test sees it: bare addresses, both bodies, and every link it carries. */
export interface CapturedMail {
  /** Envelope recipients, comma-separated (one address for everything Gatehouse sends). */
  readonly to: string;
  /** The `From` address, without display name. */
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** http(s) links of the text body, then `href`s of the HTML body not already listed; in order. */
  readonly links: readonly string[];
}

export interface SmtpCapture {
  /** `smtp://127.0.0.1:PORT`: pass it as `SMTP_URL`. */
  readonly url: string;
  /** Every mail received so far, oldest first. Live: `messages.splice(0)` forgets them. */
  readonly messages: CapturedMail[];
  /** The first mail, received or still to come, that matches; rejects after `timeoutMs` (5 s). */
  waitForMail(predicate: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** `false` answers every new session and message with `421`, as an SMTP outage would. */
  setAvailable(ok: boolean): void;
  stop(): Promise<void>;
}

interface Waiter {
  readonly predicate: (mail: CapturedMail) => boolean;
  readonly resolve: (mail: CapturedMail) => void;
}

/**
 * A real SMTP server on an ephemeral loopback port that keeps what it receives, for tests.
 *
 * @example
 *   const smtp = await startSmtpCapture();
 *   // …start a service with SMTP_URL = smtp.url, sign up as ada@example.com…
 *   const mail = await smtp.waitForMail((m) => m.to === 'ada@example.com');
 *   await page.goto(mail.links[0]!);
 */
export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<Waiter>();
  let available = true;
  const receiver = await startSmtpReceiver({
    isAvailable: () => available,
    onMail: (received) => {
      const mail = toCapturedMail(received);
      messages.push(mail);
      for (const waiter of waiters) if (waiter.predicate(mail)) waiter.resolve(mail);
    },
  });
  return {
    url: receiver.url,
    messages,
    waitForMail: (predicate, timeoutMs = 5_000) => {
      const found = messages.find(predicate);
      return found ? Promise.resolve(found) : waitForNext(waiters, messages, predicate, timeoutMs);
    },
    setAvailable: (ok) => {
      available = ok;
    },
    stop: () => receiver.stop(),
  };
}

function waitForNext(
  waiters: Set<Waiter>,
  messages: readonly CapturedMail[],
  predicate: (mail: CapturedMail) => boolean,
  timeoutMs: number,
): Promise<CapturedMail> {
  return new Promise((resolve, reject) => {
    const waiter: Waiter = {
      predicate,
      resolve: (mail) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(mail);
      },
    };
    const timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(new Error(`No matching mail within ${timeoutMs} ms; received: ${describe(messages)}`));
    }, timeoutMs);
    waiters.add(waiter);
  });
}

function describe(messages: readonly CapturedMail[]): string {
  if (messages.length === 0) return 'nothing';
  return messages.map((m) => `${m.to} "${m.subject}"`).join('; ');
}

function toCapturedMail(mail: ReceivedMail): CapturedMail {
  return {
    to: mail.to.join(', '),
    from: mail.from.address,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    links: [...new Set([...textLinks(mail.text), ...htmlLinks(mail.html)])],
  };
}

// Sentence punctuation right after a URL in prose is not part of it.
function textLinks(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s<>"']+/g)].map((m) => m[0].replace(/[.,;:!?)\]]+$/, ''));
}

function htmlLinks(html: string): string[] {
  return documentOf(html)
    .querySelectorAll('[href]')
    .map((element) => element.getAttribute('href') ?? '')
    .filter((href) => /^https?:\/\//i.test(href));
}
