import { fileURLToPath } from 'node:url';
import { createMailTemplates } from '../../adapters/mail/mail-templates.ts';
import type { MailContent } from '../../adapters/mail/outbox.ts';

// Their bodies in portal/views/mail/ (access-request*); the HTML ones escape every value.
const templates = createMailTemplates(fileURLToPath(new URL('../views/mail', import.meta.url)));

/** Names and messages are people's input: a line break would end the header. */
const oneLine = (subject: string) => subject.replace(/[\r\n]+/g, ' ');

interface Common {
  readonly to: string;
  readonly organizationName: string;
  readonly productName: string;
  readonly portalUrl: string;
}

/** To each administrator of the organization and of its partners: someone asks for access. */
export function accessRequestedMail(
  input: Common & {
    requesterName: string;
    requesterEmail: string;
    message: string | null;
    organizationId: string;
  },
): MailContent {
  const link = `${input.portalUrl}/accounts/${input.organizationId}#access-requests`;
  return {
    to: input.to,
    subject: oneLine(`Access request for ${input.organizationName} on ${input.productName}`),
    ...templates.render('access-request', { ...input, link }),
  };
}

/** To the requester: approved, they are a professional now. */
export function accessApprovedMail(input: Common & { givenName: string }): MailContent {
  return {
    to: input.to,
    subject: oneLine(`Your access to ${input.productName} for ${input.organizationName} was approved`),
    ...templates.render('access-request-approved', { ...input, link: `${input.portalUrl}/` }),
  };
}

/** To the requester: declined, with the administrator's reason when they gave one. */
export function accessDeclinedMail(
  input: Common & { givenName: string; reason: string | null },
): MailContent {
  return {
    to: input.to,
    subject: oneLine(`Your access request to ${input.organizationName} was declined`),
    ...templates.render('access-request-declined', { ...input }),
  };
}

/** To the requester: nobody decided within 30 days. */
export function accessExpiredMail(input: Common & { givenName: string }): MailContent {
  return {
    to: input.to,
    subject: oneLine(`Your access request to ${input.organizationName} expired`),
    ...templates.render('access-request-expired', { ...input, link: `${input.portalUrl}/` }),
  };
}
