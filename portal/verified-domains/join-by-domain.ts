import { randomUUID } from 'node:crypto';
import { type EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { recordAudit } from '../audit/audit.ts';
import { AuditEvent } from '../audit/audit-event.entity.ts';
import type { PortalDomain, VerifiedIdentity } from '../domain.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { likeLiteral } from '../professionals/profile-input.ts';
import { mailAdministrators } from './domain-mail.ts';
import { mailDomainOfAddress } from './domain-name.ts';
import { VerifiedDomain } from './verified-domain.entity.ts';

const JOINED = 'professional.joined-by-domain';

/**
 * "Join automatically", a step after every completed sign-in (`portal.afterSignIn`): a person whose
 * *verified* e-mail is in a verified domain set to join becomes an active professional of that
 * organization, with no roles; audited, its administrators e-mailed. Anyone can type any address at
 * sign-up, so an unverified one joins nothing. Once per person and organization: someone who
 * joined this way and was deleted since does not come back at the next sign-in.
 */
export async function joinByVerifiedDomain(domain: PortalDomain, person: VerifiedIdentity): Promise<void> {
  const mailDomain = person.emailVerified ? mailDomainOfAddress(person.email) : undefined;
  if (!mailDomain) return;
  const rows = await domain.orm.em
    .fork()
    .find(VerifiedDomain, { domain: mailDomain, verifiedAt: { $ne: null }, enrolment: 'join' });
  for (const row of rows) await joinOne(domain, person, row.organization.id, mailDomain);
}

/**
 * One organization, in one transaction under its row lock: two first sign-ins of the same person
 * racing are serialised and the second finds the first's row; the unique indexes on identity and
 * address stand behind that, and a violation there means someone else's row is already in place.
 */
async function joinOne(
  domain: PortalDomain,
  person: VerifiedIdentity,
  organizationId: string,
  mailDomain: string,
): Promise<void> {
  try {
    await domain.orm.em.fork().transactional(async (tx) => {
      const organization = await tx.findOne(
        Organization,
        { id: organizationId },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      // Still verified and still set to join, now that the organization is locked.
      const still = await tx.count(VerifiedDomain, {
        organization: organizationId,
        domain: mailDomain,
        verifiedAt: { $ne: null },
        enrolment: 'join',
      });
      if (!organization || still === 0 || (await joinedBefore(tx, organizationId, person))) return;
      const joined = await bindOrCreate(tx, organization, person);
      if (!joined) return;
      recordAudit(tx, {
        organizationId,
        actor: person.email,
        action: JOINED,
        target: joined.professional.fullName(),
        detail: { domain: mailDomain, issuer: person.issuer, subject: person.subject, bound: joined.bound },
      });
      await mailAdministrators(tx, organization, domain.productName, {
        kind: 'joined-by-domain',
        domain: mailDomain,
        name: joined.professional.fullName(),
        email: person.email,
      });
    });
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
  }
}

/**
 * The person's professional row here: none is made when they are one already (by their account).
 * A row for their address that no account has claimed yet (an invitation not yet accepted) is
 * bound to them, as accepting that invitation would (same verified address, DESIGN.md's claim
 * rule), keeping the roles it was given; one bound to another account is left alone.
 */
async function bindOrCreate(
  tx: EntityManager,
  organization: Organization,
  person: VerifiedIdentity,
): Promise<{ professional: Professional; bound: 'new' | 'unclaimed-row' } | undefined> {
  const mine = await tx.count(Professional, {
    organization,
    idpIssuer: person.issuer,
    idpSubject: person.subject,
  });
  if (mine > 0) return undefined;
  // The address as `professional_org_email_key` compares it (`lower(email)`), wildcards escaped.
  const byEmail = await tx.findOne(Professional, {
    organization,
    email: { $ilike: likeLiteral(person.email) },
  });
  if (byEmail) {
    if (byEmail.idpSubject) return undefined;
    byEmail.idpIssuer = person.issuer;
    byEmail.idpSubject = person.subject;
    byEmail.status = 'active';
    return { professional: byEmail, bound: 'unclaimed-row' };
  }
  const { givenName, familyName } = namesOf(person);
  const professional = tx.create(Professional, {
    id: randomUUID(),
    organization,
    givenName,
    familyName,
    email: person.email,
    isAdministrator: false,
    status: 'active',
    idpIssuer: person.issuer,
    idpSubject: person.subject,
  });
  return { professional, bound: 'new' };
}

/** This identity joined this organization by a domain before (the audit trail keeps it). */
async function joinedBefore(tx: EntityManager, organizationId: string, person: VerifiedIdentity) {
  const events = await tx.count(AuditEvent, {
    organizationId,
    action: JOINED,
    detail: { issuer: person.issuer, subject: person.subject },
  });
  return events > 0;
}

/** The ID token's `name`, split at its first space; the address before `@` when it has none. */
function namesOf(person: VerifiedIdentity): { givenName: string; familyName: string } {
  const name = person.name.trim() || person.email.slice(0, person.email.lastIndexOf('@'));
  const space = name.indexOf(' ');
  return space < 0
    ? { givenName: name, familyName: '' }
    : { givenName: name.slice(0, space), familyName: name.slice(space + 1).trim() };
}
