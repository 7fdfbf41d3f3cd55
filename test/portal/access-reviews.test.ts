import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../adapters/http/errors.ts';
import { completeReview } from '../../portal/access-reviews/access-review.ts';
import { sendDueReviewReminders } from '../../portal/access-reviews/review-reminders.ts';
import { linkPartner } from '../../portal/accounts/partner-links.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { addProfessional } from '../../portal/professionals/professionals.ts';
import { later } from '../support/accounts-world.ts';
import type { Page } from '../support/browserless-client.ts';
import { linkTo, textsOf } from '../support/html-page.ts';
import { newPerson } from '../support/oidc-client.ts';
import { invariantViolations } from '../support/portal-domain.ts';
import {
  acceptBySigningUp,
  invitationLink,
  type OrganizationAdmin,
  organizationAdmin,
  type PortalPerson,
} from '../support/portal-people.ts';
import { sharedPortal } from '../support/shared-portal.ts';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

describe('J19 access review', () => {
  const world = sharedPortal();
  let admin: OrganizationAdmin;
  let other: OrganizationAdmin;
  let partner: OrganizationAdmin;

  beforeAll(async () => {
    admin = await organizationAdmin(world.idp, world.portal, 'Review Co');
    other = await organizationAdmin(world.idp, world.portal, 'Other Co');
    partner = await organizationAdmin(world.idp, world.portal, 'Review VAR', 'partner');
    await linkPartner(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      partnerId: partner.organization.id,
      customerId: admin.organization.id,
    });
  });

  const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> =>
    world.portal.domain.orm.em.getConnection().execute(text, params);

  const reviewUrl = (orgId = admin.organization.id) => `${world.portal.url}/accounts/${orgId}/review`;

  /** A professional bound to an IdP account (as if claimed) who signed in `lastSignIn` days ago (null: never). */
  async function boundMember(
    given: string,
    lastSignIn: number | null,
    joined = 400,
    orgId = admin.organization.id,
  ) {
    const email = `${given.toLowerCase()}.${Date.now()}@review.test`;
    const { professional } = await addProfessional(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: orgId,
      profile: { givenName: given, familyName: 'Quiet', email },
      sendInvitation: false,
    });
    await sql(
      `update portal.professional set status = 'active', idp_issuer = 'http://elsewhere.test', idp_subject = ?,
         last_sign_in_at = ?, created_at = ? where id = ?`,
      [`sub-${email}`, lastSignIn === null ? null : daysAgo(lastSignIn), daysAgo(joined), professional.id],
    );
    return { id: professional.id, name: `${given} Quiet`, email };
  }

  /** An invited professional whose invitation was sent `sent` days ago and never accepted. */
  async function invitedMember(given: string, sent: number) {
    const email = `${given.toLowerCase()}.${Date.now()}@review.test`;
    const { professional } = await addProfessional(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: given, familyName: 'Waiting', email },
    });
    await sql('update portal.invitation set created_at = ? where professional_id = ?', [
      daysAgo(sent),
      professional.id,
    ]);
    return { id: professional.id, name: `${given} Waiting`, email };
  }

  /** A real person who accepted their invitation and is signed in; their last sign-in then moved back. */
  async function signedInMember(given: string, lastSignIn: number): Promise<PortalPerson & { id: string }> {
    const person = newPerson({ givenName: given, familyName: 'Away' });
    const before = world.idp.smtp.messages.length;
    const { professional } = await addProfessional(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: admin.organization.id,
      profile: { givenName: given, familyName: 'Away', email: person.email },
    });
    const joined = await acceptBySigningUp(
      world.idp,
      await invitationLink(world.idp, world.portal, person.email, before),
      person,
    );
    await sql('update portal.professional set last_sign_in_at = ? where id = ?', [
      daysAgo(lastSignIn),
      professional.id,
    ]);
    return { ...joined, id: professional.id };
  }

  const listed = (page: Page) => textsOf(page.html, 'tbody tr td:first-child');
  const events = (action: string, orgId = admin.organization.id) =>
    sql<{ actor: string; target: string | null; detail: Record<string, unknown> }>(
      'select actor, target, detail from portal.audit_event where organization_id = ? and action = ? order by at',
      [orgId, action],
    );
  const exists = async (id: string) =>
    (await sql('select 1 from portal.professional where id = ?', [id])).length === 1;
  const nextReviewAt = async (orgId = admin.organization.id) =>
    (
      await sql<{ next_review_at: string }>('select next_review_at from portal.organization where id = ?', [
        orgId,
      ])
    )[0]!.next_review_at;

  it('lists who has not signed in within the threshold and invitations waiting over 14 days, and nobody else', async () => {
    const inactive = await boundMember('Ivan', 120);
    const recent = await boundMember('Rita', 10);
    const neverLongAgo = await boundMember('Nora', null, 200);
    const neverNew = await boundMember('Ned', null, 3);
    const stale = await invitedMember('Stan', 20);
    const fresh = await invitedMember('Fay', 5);

    const page = await admin.browser.get(reviewUrl());
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Access review</h1>');
    const names = listed(page);
    expect(names).toEqual(expect.arrayContaining([inactive.name, neverLongAgo.name, stale.name]));
    for (const absent of [recent, neverNew, fresh]) expect(names).not.toContain(absent.name);
    expect(names).not.toContain('Admin Review Co');
    expect(page.html).toMatch(/Ivan Quiet[\s\S]*?Last signed in \d{4}-\d{2}-\d{2}/);
    expect(page.html).toMatch(/Nora Quiet[\s\S]*?Never signed in; joined/);
    expect(page.html).toMatch(/Stan Waiting[\s\S]*?Invited \d{4}-\d{2}-\d{2}, not accepted/);
    expect(page.html).toContain(`name="decision-${inactive.id}" value="keep" checked`);
    expect(page.html).toContain('<button type="submit">Complete review</button>');

    const all = await admin.browser.get(linkTo(page, 'Remove all'));
    expect(all.html).toContain(`name="decision-${inactive.id}" value="remove" checked`);
    expect(all.html).toContain(`name="decision-${stale.id}" value="remove" checked`);
  });

  it('a mandatory role holder is marked "give the role to someone else first" and cannot be removed: a forged Remove changes nothing', async () => {
    const holder = await boundMember('Bill', 300);
    await sql('update portal.organization set billing_contact_id = ? where id = ?', [
      holder.id,
      admin.organization.id,
    ]);
    const keep = await boundMember('Kim', 300);
    try {
      const page = await admin.browser.get(reviewUrl());
      expect(page.html).toMatch(/Bill Quiet[\s\S]*?Billing Contact: give the role to someone else first/);
      expect(page.html).not.toContain(`name="decision-${holder.id}"`);
      const before = await events('review.completed');
      const refused = await admin.browser.submit(
        page,
        { [`decision-${holder.id}`]: 'remove', [`decision-${keep.id}`]: 'remove' },
        '/review',
      );
      expect(refused.status).toBe(409);
      expect(refused.html).toContain('Bill Quiet is the Billing Contact, a mandatory role');
      expect(await exists(holder.id)).toBe(true);
      expect(await exists(keep.id)).toBe(true);
      expect(await events('review.completed')).toEqual(before);
    } finally {
      await sql('update portal.organization set billing_contact_id = shipping_contact_id where id = ?', [
        admin.organization.id,
      ]);
    }
  });

  it('Complete review removes at once: the removed person is refused on their next page; the audit log says who decided what', async () => {
    const gone = await signedInMember('Gus', 200);
    const kept = await boundMember('Kay', 200);
    const home = await gone.browser.get(`${world.portal.url}/`);
    expect((await gone.browser.get(linkTo(home, 'Licensing'))).status).toBe(200);
    const due = await nextReviewAt();

    const page = await admin.browser.get(reviewUrl());
    expect(listed(page)).toEqual(expect.arrayContaining(['Gus Away', 'Kay Quiet']));
    const done = await admin.browser.submit(
      page,
      { [`decision-${gone.id}`]: 'remove', [`decision-${kept.id}`]: 'keep' },
      '/review',
    );
    expect(done.status).toBe(200);
    expect(done.html).toContain('The review is complete: 1 removed, 1 kept.');
    expect(listed(done)).not.toContain('Gus Away');
    expect(listed(done)).toContain('Kay Quiet');

    expect(await exists(gone.id)).toBe(false);
    const refused = await gone.browser.get(linkTo(home, 'Licensing'));
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('You do not have access to CustomerSource yet');

    const completed = (await events('review.completed')).at(-1)!;
    expect(completed.actor).toBe(admin.person.email);
    expect(completed.detail).toMatchObject({
      removed: [{ id: gone.id, name: 'Gus Away', email: gone.person.email }],
      kept: [{ id: kept.id, name: 'Kay Quiet', email: kept.email }],
      skipped: 0,
    });
    expect((await events('professional.deleted')).filter((e) => e.target === 'Gus Away')).toEqual([
      expect.objectContaining({ actor: admin.person.email }),
    ]);
    const next = new Date(await nextReviewAt());
    expect(next.getTime()).not.toBe(new Date(due).getTime());
    expect(Math.abs(next.getTime() - (Date.now() + 90 * DAY))).toBeLessThan(60_000);
  });

  it('two completions racing to remove the same professional remove them once, and the invariants hold', async () => {
    const target = await boundMember('Rex', 250);
    const [a, b] = await Promise.all([admin.browser.get(reviewUrl()), partner.browser.get(reviewUrl())]);
    const decision = { [`decision-${target.id}`]: 'remove' };
    const [first, second] = await Promise.all([
      admin.browser.submit(a!, decision, '/review'),
      partner.browser.submit(b!, decision, '/review'),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await exists(target.id)).toBe(false);
    expect((await events('professional.deleted')).filter((e) => e.target === 'Rex Quiet')).toHaveLength(1);
    const removedBy = (await events('review.completed'))
      .slice(-2)
      .map((e) => [(e.detail.removed as unknown[]).length, e.detail.skipped]);
    expect(removedBy.sort()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(await invariantViolations(world.portal.domain.orm)).toEqual([]);
  });

  it('the last Administrator rule holds: the only Administrator who can act is not removed by a review', async () => {
    const org = await organizationAdmin(world.idp, world.portal, 'Lonely Co');
    const [row] = await sql<{ id: string }>('select id from portal.professional where organization_id = ?', [
      org.organization.id,
    ]);
    // Roles move to someone else first, so that only the last-Administrator rule stands in the way.
    const deputy = await boundMember('Dee', 5, 5, org.organization.id);
    await sql(
      `update portal.professional set status = 'invited', idp_issuer = null, idp_subject = null where id = ?`,
      [deputy.id],
    );
    await sql('update portal.organization set billing_contact_id = ?, shipping_contact_id = ? where id = ?', [
      deputy.id,
      deputy.id,
      org.organization.id,
    ]);
    await sql(`update portal.professional set is_administrator = true where id = ?`, [deputy.id]);
    await sql('update portal.professional set last_sign_in_at = ? where id = ?', [daysAgo(365), row!.id]);
    const refused = await completeReview(world.portal.domain, {
      actor: SYSTEM_ACTOR,
      organizationId: org.organization.id,
      decisions: new Map([[row!.id, 'remove']]),
    }).catch((error: unknown) => error);
    expect(isAppError(refused, 'LAST_BOUND_ADMINISTRATOR')).toBe(true);
    expect(await exists(row!.id)).toBe(true);
  });

  it('bad decisions are refused with a clear 400 and change nothing', async () => {
    const target = await boundMember('Bad', 250);
    const page = await admin.browser.get(reviewUrl());
    const before = await events('review.completed');
    for (const fields of [{ [`decision-${target.id}`]: 'delete' }, { 'decision-not-an-id': 'remove' }]) {
      const refused = await admin.browser.submit(page, fields, '/review');
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('Choose Keep or Remove.');
    }
    expect(await exists(target.id)).toBe(true);
    expect(await events('review.completed')).toEqual(before);
  });

  it('only administrators of the organization or its partner: anyone else gets 404 and nothing changes (IDOR)', async () => {
    const target = await boundMember('Ida', 250);
    const plain = await signedInMember('Pat', 1);

    for (const who of [other, plain]) {
      const page = await who.browser.get(reviewUrl());
      expect(page.status).toBe(404);
      expect(page.html).not.toContain('Review Co');
    }
    // Without the form's CSRF token: refused before anything is read.
    expect((await admin.browser.post(reviewUrl(), { [`decision-${target.id}`]: 'remove' })).status).toBe(403);
    expect(await exists(target.id)).toBe(true);
    const otherPage = await other.browser.get(reviewUrl(other.organization.id));
    expect(otherPage.status).toBe(200);
    const due = await nextReviewAt();
    // Their own review's form, aimed at Review Co: the organization in the path is not theirs.
    const forged = await other.browser.post(reviewUrl(), {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(otherPage.html)![1]!,
      [`decision-${target.id}`]: 'remove',
    });
    expect(forged.status).toBe(404);
    const settings = await other.browser.post(`${reviewUrl()}-settings`, {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(otherPage.html)![1]!,
      reviewPeriodDays: '30',
      inactivityDays: '1',
    });
    expect(settings.status).toBe(404);
    // Their own review, naming Review Co's professional: skipped, untouched.
    const own = await other.browser.submit(otherPage, { [`decision-${target.id}`]: 'remove' }, '/review');
    expect(own.status).toBe(200);
    expect(own.html).toContain('The review is complete: 0 removed, 0 kept.');
    expect(await exists(target.id)).toBe(true);
    expect(await nextReviewAt()).toEqual(due);
    const org = await sql<{ review_period_days: number; inactivity_days: number }>(
      'select review_period_days, inactivity_days from portal.organization where id = ?',
      [admin.organization.id],
    );
    expect(org).toEqual([{ review_period_days: 90, inactivity_days: 90 }]);

    const viaPartner = await partner.browser.get(reviewUrl());
    expect(viaPartner.status).toBe(200);
    expect(listed(viaPartner)).toContain('Ida Quiet');
  });

  it('the review settings: 30/90/180 days and a threshold, saved from the organization page; bad values change nothing', async () => {
    const orgPage = await admin.browser.get(`${world.portal.url}/accounts/${admin.organization.id}`);
    expect(linkTo(orgPage, 'Access review')).toBe(reviewUrl());
    expect(linkTo(orgPage, 'Audit log')).toBe(`${world.portal.url}/accounts/${admin.organization.id}/audit`);
    expect(orgPage.html).toContain('<label for="reviewPeriodDays">Review period</label>');
    expect(orgPage.html).toContain('<option value="90" selected>90 days</option>');

    for (const [fields, message] of [
      [{ reviewPeriodDays: '45', inactivityDays: '60' }, 'Choose 30, 90 or 180 days.'],
      [{ reviewPeriodDays: '30', inactivityDays: '0' }, 'Enter a number of days from 1 to 3650.'],
      [{ reviewPeriodDays: '30', inactivityDays: 'soon' }, 'Enter a number of days from 1 to 3650.'],
    ] as const) {
      const refused = await admin.browser.submit(orgPage, fields, '/review-settings');
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(message);
    }
    const due = new Date(await nextReviewAt());
    expect((await events('review.settings-changed')).length).toBe(0);

    const saved = await admin.browser.submit(
      orgPage,
      { reviewPeriodDays: '30', inactivityDays: '60' },
      '/review-settings',
    );
    expect(saved.status).toBe(200);
    expect(saved.html).toContain('Saved. The review settings apply from now on.');
    expect(saved.html).toContain('<option value="30" selected>30 days</option>');
    const sooner = new Date(await nextReviewAt());
    expect(sooner < due).toBe(true);
    expect(Math.abs(sooner.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(await events('review.settings-changed')).toEqual([
      expect.objectContaining({
        actor: admin.person.email,
        detail: expect.objectContaining({ reviewPeriodDays: 30, inactivityDays: 60 }),
      }),
    ]);
    await admin.browser.submit(orgPage, { reviewPeriodDays: '90', inactivityDays: '90' }, '/review-settings');
  });

  it('a due review e-mails each administrator of the organization and of its partner once, even when two passes race', async () => {
    const now = later(DAY);
    await sql('update portal.organization set next_review_at = ? where id = ?', [
      later(-DAY, now),
      admin.organization.id,
    ]);
    const subject = 'Access review due for Review Co';
    const outbox = (to: string) =>
      sql('select 1 from portal.outbox_mail where subject = ? and "to" = ?', [subject, to]);
    const passes = await Promise.all([
      sendDueReviewReminders(world.portal.domain, now, 10),
      sendDueReviewReminders(world.portal.domain, now, 10),
    ]);
    expect(passes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await outbox(admin.person.email)).toHaveLength(1);
    expect(await outbox(partner.person.email)).toHaveLength(1);
    expect(await outbox(other.person.email)).toHaveLength(0);
    expect(await sendDueReviewReminders(world.portal.domain, now, 10)).toBe(0);
    expect(new Date(await nextReviewAt()).getTime()).toBe(now.getTime() + 90 * DAY);

    const mail = await world.idp.smtp.waitForMail(
      (m) => m.to === admin.person.email && m.subject === subject,
    );
    expect(mail.links).toContain(reviewUrl());
    expect(mail.text).toMatch(/\d+ professional\(s\) have not signed in for 90 days or more/);
    expect(mail.text).toMatch(/\d+ invitation\(s\) have not been accepted for over 14 days/);
    expect((await events('review.due')).at(-1)?.detail).toMatchObject({ notified: 2 });
  });
});
