import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { type RunningSystem, startSystem } from '../../system/start-system.ts';
import { createTestDatabase } from '../support/database.ts';

describe('npm start without SMTP_URL: the dev mailbox', () => {
  let system: RunningSystem;
  let databaseUrl: string;
  let mailbox: string;
  const printed: string[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    const [portal, idp, box] = [await freePort(), await freePort(), await freePort()];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.join(' '));
    });
    system = await startSystem({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      PORTAL_PORT: String(portal),
      PORTAL_URL: `http://127.0.0.1:${portal}`,
      IDP_PORT: String(idp),
      IDP_ISSUER: `http://127.0.0.1:${idp}`,
      DEV_MAILBOX_PORT: String(box),
    });
    mailbox = /Dev mailbox: (\S+)/.exec(printed.join('\n'))![1]!;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await system?.stop();
  });

  it('is printed at start-up and lists the demo invitations with clickable links', async () => {
    await vi.waitFor(
      async () => {
        const page = await (await fetch(mailbox)).text();
        expect(page).toMatch(/<a href="http:\/\/127\.0\.0\.1:\d+\/invitations\/accept\?token=[^"]+"/);
      },
      { timeout: 10_000 },
    );
  });

  it("shows the mail still waiting in a service's outbox", async () => {
    const client = new pg.Client(databaseUrl);
    await client.connect();
    try {
      await client.query(
        `insert into portal.outbox_mail (id, "to", subject, text, html, created_at, attempts, next_attempt_at)
         values (gen_random_uuid(), 'stuck@example.com', 'Stuck', 'x', 'x', now() - interval '90 seconds', 3, now() + interval '1 hour')`,
      );
    } finally {
      await client.end();
    }
    // The demo invitations go out within a poll or two; the stuck one stays.
    await vi.waitFor(
      async () => {
        const page = await (await fetch(mailbox)).text();
        expect(page).toMatch(/ 1 mail\(s\) still waiting to be sent, the oldest for (9\d|1\d\d) s\./);
      },
      { timeout: 10_000 },
    );
  });
});
