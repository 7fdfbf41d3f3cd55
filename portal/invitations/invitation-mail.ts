import { fileURLToPath } from 'node:url';
import { createMailTemplates } from '../../adapters/mail/mail-templates.ts';
import type { MailContent } from '../../adapters/mail/outbox.ts';

export interface InvitationMailInput {
  readonly to: string;
  readonly givenName: string;
  readonly organizationName: string;
  readonly productName: string;
  readonly link: string;
  readonly expiresAt: Date;
}

// Its bodies in portal/views/mail/; the HTML one escapes every value.
const templates = createMailTemplates(fileURLToPath(new URL('../views/mail', import.meta.url)));

/** The invitation e-mail of the guide's "To Gain Access", in text and HTML. */
export function invitationMail(input: InvitationMailInput): MailContent {
  // The organization's name is the administrator's input: a line break would end the header.
  const subject = `Your invitation to ${input.productName} for ${input.organizationName}`.replace(
    /[\r\n]+/g,
    ' ',
  );
  const { givenName, organizationName, productName, link } = input;
  const until = input.expiresAt.toISOString().slice(0, 10);
  return {
    to: input.to,
    subject,
    ...templates.render('invitation', { givenName, organizationName, productName, link, until }),
  };
}
