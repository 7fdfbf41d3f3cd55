import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import { isId } from '../../adapters/db/ids.ts';
import { executeIn, statement } from '../../adapters/db/statements.ts';
import { parseForm } from '../../adapters/http/forms.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { recordAudit } from '../audit/audit.ts';
import { nowOf, type PortalDomain, type VerifiedIdentity } from '../domain.ts';
import { Organization, PartnerLink } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { portalErrors } from '../portal-errors.ts';
import { formText, likeLiteral } from '../professionals/profile-input.ts';
import { organizationsSuggestedTo } from '../verified-domains/suggestions.ts';
import { AccessRequest } from './access-request.entity.ts';
import { accessRequestErrors } from './access-request-errors.ts';
import { accessRequestedMail } from './access-request-mail.ts';
import { normalizedAccountNumber } from './account-number.ts';

const DAY_MS = 24 * 3600 * 1000;
/** How long a request waits for a decision before it expires. */
export const REQUEST_TTL_MS = 30 * DAY_MS;
/** Requests one person may make in any 24 hours. */
export const REQUESTS_PER_DAY = 5;
export const MESSAGE_MAX = 500;

/** The J12 page's **Request access** forms: a suggested organization's id, or an account number. */
export const requestAccessForm = z.object({
  organizationId: formText().max(40, 'Choose one of the organizations offered.').optional(),
  accountNumber: formText().max(40, 'Enter the 8-digit account number.').optional(),
  message: formText()
    .max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX} characters.`)
    .optional()
    .transform((v) => (v ? v : null)),
});

export type RequestAccessInput = z.input<typeof requestAccessForm>;

// Every request of one person takes this lock first, so counting their requests of the last 24
// hours and adding one is one step: racing requests queue here and cannot pass the limit together.
const PERSON_LOCK = statement(
  'portal.access-request.person-lock',
  `select pg_advisory_xact_lock(hashtextextended('gatehouse:access-request:' || $1 || ' ' || $2, 0))`,
);

/**
 * J16: the signed-in person asks an organization for access. An organization is named by its id
 * only when it is suggested to this person (their verified e-mail's verified domain), otherwise by
 * its account number. One transaction makes the request, e-mails the administrators of the
 * organization and of its partners (outbox) and audits `request.made`.
 */
export async function requestAccess(
  domain: PortalDomain,
  person: VerifiedIdentity,
  input: RequestAccessInput,
): Promise<AccessRequest> {
  const form = parseForm(requestAccessForm, input);
  if (!form.organizationId && !form.accountNumber)
    throw portalErrors.invalidInput({ accountNumber: 'Enter the 8-digit account number.' });
  if (!person.emailVerified) throw accessRequestErrors.emailNotVerified(person.email);
  return domain.orm.em.fork().transactional(async (tx) => {
    const organization = form.organizationId
      ? await suggestedOrganization(tx, person, form.organizationId)
      : await organizationNumbered(tx, form.accountNumber ?? '');
    await executeIn(tx, PERSON_LOCK, [person.issuer, person.subject]);
    await assertMayRequest(tx, person, organization);
    const now = nowOf(domain);
    const recent = await tx.find(
      AccessRequest,
      {
        requesterIssuer: person.issuer,
        requesterSubject: person.subject,
        createdAt: { $gt: new Date(now.getTime() - DAY_MS) },
      },
      { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] },
    );
    if (recent.length >= REQUESTS_PER_DAY) {
      const oldest = recent[recent.length - REQUESTS_PER_DAY]!.createdAt;
      const wait = Math.max(1, Math.ceil((oldest.getTime() + DAY_MS - now.getTime()) / 1000));
      throw accessRequestErrors.limit(REQUESTS_PER_DAY, wait);
    }
    const request = tx.create(AccessRequest, {
      id: randomUUID(),
      organization,
      requesterIssuer: person.issuer,
      requesterSubject: person.subject,
      requesterEmail: person.email,
      requesterName: person.name || person.email,
      message: form.message,
      status: 'pending',
      createdAt: now,
      expiresAt: new Date(now.getTime() + REQUEST_TTL_MS),
    });
    for (const to of await administratorAddresses(tx, organization.id)) {
      enqueueMail(
        tx,
        accessRequestedMail({
          to,
          organizationId: organization.id,
          organizationName: organization.name,
          productName: domain.productName,
          portalUrl: domain.portalUrl,
          requesterName: request.requesterName,
          requesterEmail: request.requesterEmail,
          message: request.message ?? null,
        }),
      );
    }
    recordAudit(tx, {
      organizationId: organization.id,
      actor: person.email,
      action: 'request.made',
      target: request.requesterName,
      detail: { by: form.organizationId ? 'suggestion' : 'account number' },
    });
    return request;
  });
}

/** An organization offered to this person by name; any other id is not found, whatever it is. */
async function suggestedOrganization(
  tx: EntityManager,
  person: VerifiedIdentity,
  id: string,
): Promise<Organization> {
  if (!isId(id)) throw portalErrors.notFound();
  const suggested = await organizationsSuggestedTo(tx, person);
  if (!suggested.some((o) => o.id === id)) throw portalErrors.notFound();
  const organization = await tx.findOne(Organization, { id });
  if (!organization) throw portalErrors.notFound();
  return organization;
}

async function organizationNumbered(tx: EntityManager, typed: string): Promise<Organization> {
  const accountNumber = normalizedAccountNumber(typed);
  const organization = accountNumber ? await tx.findOne(Organization, { accountNumber }) : null;
  if (!organization) throw accessRequestErrors.accountNumberUnknown();
  return organization;
}

/** Not already in it, not invited to it under this address, not asked already. */
async function assertMayRequest(
  tx: EntityManager,
  person: VerifiedIdentity,
  organization: Organization,
): Promise<void> {
  const member = await tx.count(Professional, {
    organization: organization.id,
    idpIssuer: person.issuer,
    idpSubject: person.subject,
  });
  if (member > 0) throw accessRequestErrors.alreadyProfessional(organization.name);
  const invited = await tx.count(Professional, {
    organization: organization.id,
    email: { $ilike: likeLiteral(person.email) },
    idpSubject: null,
  });
  if (invited > 0) throw accessRequestErrors.useInvitation(organization.name, person.email);
  const pending = await tx.count(AccessRequest, {
    organization: organization.id,
    requesterIssuer: person.issuer,
    requesterSubject: person.subject,
    status: 'pending',
  });
  if (pending > 0) throw accessRequestErrors.pending(organization.name);
}

/** Who decides: the Administrators of the organization and of every partner linked to it, once each. */
async function administratorAddresses(tx: EntityManager, organizationId: string): Promise<string[]> {
  const partners = await tx.find(PartnerLink, { customerId: organizationId });
  const admins = await tx.find(
    Professional,
    { organization: { $in: [organizationId, ...partners.map((l) => l.partnerId)] }, isAdministrator: true },
    { orderBy: { email: 'asc' } },
  );
  const seen = new Map<string, string>();
  for (const admin of admins)
    if (!seen.has(admin.email.toLowerCase())) seen.set(admin.email.toLowerCase(), admin.email);
  return [...seen.values()];
}
