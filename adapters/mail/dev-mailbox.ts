import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { createMailboxPage } from './dev-mailbox-page.ts';
import type { OutboxStats } from './dispatcher.ts';
import { type ReceivedMail, startSmtpReceiver } from './smtp-receiver.ts';

export interface DevMailboxOptions {
  /** Loopback by default: the SMTP server has no authentication and the page shows every mail. */
  readonly host?: string;
  readonly smtpPort?: number;
  readonly httpPort?: number;
  /** The services' outbox figures, shown on the page so stuck mail is visible. */
  readonly outboxStats?: () => Promise<readonly OutboxStats[]>;
}

export interface DevMailbox {
  /** Use as `SMTP_URL`. */
  readonly smtpUrl: string;
  /** The page listing received mail; `${webUrl}messages.json` has the same as JSON. */
  readonly webUrl: string;
  stop(): Promise<void>;
}

// A dev tool keeps mail in memory; bounded, so a long-running `npm start` does not grow forever.
const KEEP_LAST = 500;

// The page shows untrusted mail content: even if escaping failed, nothing could run or load.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Where mail goes when `SMTP_URL` is unset: a real SMTP server and a page listing what it received,
 * newest first, so `npm start` needs nothing but Node and a developer can still click the links.
 *
 * @example
 *   const mailbox = await startDevMailbox({ smtpPort: 2525, httpPort: 4100 });
 *   console.log(`Mail: ${mailbox.webUrl}`);
 */
export async function startDevMailbox(options: DevMailboxOptions = {}): Promise<DevMailbox> {
  const host = options.host ?? '127.0.0.1';
  const mails: ReceivedMail[] = [];
  const receiver = await startSmtpReceiver({
    host,
    port: options.smtpPort ?? 0,
    onMail: (mail) => {
      mails.push(mail);
      if (mails.length > KEEP_LAST) mails.shift();
    },
  });
  const app = mailboxApp(mails, options.outboxStats ?? (async () => []));
  const server = app.listen(options.httpPort ?? 0, host);
  await once(server, 'listening');
  return {
    smtpUrl: receiver.url,
    webUrl: `http://${host}:${(server.address() as AddressInfo).port}/`,
    stop: async () => {
      await Promise.all([closeHttp(server), receiver.stop()]);
    },
  };
}

function mailboxApp(mails: readonly ReceivedMail[], outboxStats: () => Promise<readonly OutboxStats[]>): Koa {
  const router = new Router();
  const page = createMailboxPage();
  router.get('/', async (ctx) => {
    ctx.type = 'html';
    ctx.body = page(mails, await outboxStats());
  });
  router.get('/messages.json', (ctx) => {
    ctx.body = [...mails].reverse();
  });
  const app = new Koa();
  app.use(async (ctx, next) => {
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
