import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../adapters/db/database.ts';
import { outboxStats } from '../../adapters/mail/dispatcher.ts';
import { browserlessClient, type Page } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import { signUpFields } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson, verificationCode } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { organizationAdmin } from '../support/portal-people.ts';

describe('while SMTP is unreachable', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  let admin: Awaited<ReturnType<typeof organizationAdmin>>;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(idp);
    admin = await organizationAdmin(idp, portal, 'Fabrikam');
  }, 60_000);
  afterAll(async () => {
    idp?.smtp.setAvailable(true);
    await portal?.close();
    await idp?.close();
  });

  const addProfessional = async (email: string): Promise<Page> => {
    const accounts = await admin.browser.get(`${portal.url}/accounts`);
    const form = await admin.browser.get(
      linkTo(await admin.browser.get(linkTo(accounts, 'Fabrikam')), 'Add New Professionals'),
    );
    return admin.browser.submit(
      form,
      { givenName: 'Queued', familyName: email.split('@')[0]!, email, sendInvitation: 'yes' },
      '/professionals',
    );
  };

  it('accepts sign-ups and invitations, queues their mail, and delivers each once, in order, when SMTP returns', async () => {
    idp.smtp.setAvailable(false);
    const before = idp.smtp.messages.length;

    const people = [newPerson({ givenName: 'Queued' }), newPerson({ givenName: 'Queued' })];
    const verifyPages: { browser: ReturnType<typeof browserlessClient>; page: Page }[] = [];
    for (const person of people) {
      const browser = browserlessClient();
      const form = await browser.get(`${idp.issuer}/signup`);
      const page = await browser.submit(form, signUpFields(person), '/signup');
      expect(page.html, 'the sign-up is accepted').toContain('Verify your e-mail');
      verifyPages.push({ browser, page });
    }
    const invited = ['queued-a@example.com', 'queued-b@example.com', 'queued-c@example.com'];
    const profiles: Page[] = [];
    for (const email of invited) {
      const profile = await addProfessional(email);
      expect(profile.html, 'the invitation is accepted').toContain('The invitation e-mail is on its way');
      profiles.push(profile);
    }
    // Re-sending queues a second mail to the same person: it must arrive after the first.
    const resent = await admin.browser.submit(profiles[0]!, {}, '/invite');
    expect(resent.html).toContain('Any earlier link no longer works');

    // The dispatchers try, fail, and keep everything queued with the failure recorded.
    await expect
      .poll(() => failedAttempts(portal.running.orm), { timeout: 5_000, interval: 100 })
      .toBeGreaterThanOrEqual(1);
    expect(idp.smtp.messages.length).toBe(before);
    expect((await outboxStats(idp.running.orm)).pending).toBeGreaterThanOrEqual(2);
    const backlog = await outboxStats(portal.running.orm);
    expect(backlog.pending).toBeGreaterThanOrEqual(4);
    expect(backlog.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);

    idp.smtp.setAvailable(true);
    const expected = [...people.map((p) => p.email), ...invited, invited[0]!];
    await expect
      .poll(() => idp.smtp.messages.slice(before).length, { timeout: 20_000, interval: 200 })
      .toBeGreaterThanOrEqual(expected.length);
    await new Promise((ok) => setTimeout(ok, 500));
    const delivered = idp.smtp.messages.slice(before);
    expect(delivered.map((m) => m.to).sort()).toEqual(expected.sort());
    expect(await outboxStats(idp.running.orm)).toEqual({ pending: 0, oldestPendingAgeSeconds: 0 });
    expect(await outboxStats(portal.running.orm)).toEqual({ pending: 0, oldestPendingAgeSeconds: 0 });

    // One person's mails arrive in the order they were queued: the newest invitation link last.
    const queuedLinks = await portal.running.orm.em
      .getConnection()
      .execute<{ text: string }[]>(
        `select text from portal.outbox_mail where "to" = ? order by created_at, id`,
        [invited[0]],
      );
    const deliveredLinks = delivered.filter((m) => m.to === invited[0]).map((m) => m.links[0]);
    expect(deliveredLinks).toEqual(queuedLinks.map((row) => /https?:\/\/\S+/.exec(row.text)?.[0]));

    // The queued verification code works once delivered.
    const { browser, page } = verifyPages[0]!;
    const account = await browser.submit(
      page,
      { code: await verificationCode(idp.smtp, people[0]!.email) },
      '/verify',
    );
    expect(account.url.startsWith(`${idp.issuer}/account`), account.html).toBe(true);
  }, 45_000);
});

async function failedAttempts(orm: Database): Promise<number> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ n: number }[]>(
      `select count(*)::int as n from portal.outbox_mail where sent_at is null and attempts > 0 and last_error is not null`,
    );
  return row?.n ?? 0;
}
