import { fileURLToPath } from 'node:url';
import type { EntityManager } from '@mikro-orm/core';
import { createMailTemplates } from '../../adapters/mail/mail-templates.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import type { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';

// Bodies in portal/views/mail/; the HTML ones escape every value.
const templates = createMailTemplates(fileURLToPath(new URL('../views/mail', import.meta.url)));

export type DomainMail =
  | { readonly kind: 'domain-lost'; readonly domain: string; readonly reason: string }
  | {
      readonly kind: 'joined-by-domain';
      readonly domain: string;
      readonly name: string;
      readonly email: string;
    };

/**
 * One e-mail to each Administrator of the organization who can act (bound to an account), queued
 * in the caller's transaction: sent once it commits, never for a change rolled back.
 */
export async function mailAdministrators(
  tx: EntityManager,
  organization: Organization,
  productName: string,
  mail: DomainMail,
): Promise<void> {
  const admins = await tx.find(Professional, {
    organization,
    isAdministrator: true,
    status: 'active',
  });
  // The organization's name is an administrator's input: a line break would end the header.
  const orgName = organization.name.replace(/[\r\n]+/g, ' ');
  const subject =
    mail.kind === 'domain-lost'
      ? `${mail.domain} is no longer a verified domain of ${orgName}`
      : `${mail.email} joined ${orgName} by its verified domain`;
  for (const admin of admins)
    enqueueMail(tx, {
      to: admin.email,
      subject: subject.replace(/[\r\n]+/g, ' '),
      ...templates.render(mail.kind, {
        ...mail,
        givenName: admin.givenName,
        organizationName: organization.name,
        productName,
      }),
    });
}
