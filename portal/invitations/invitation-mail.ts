import type { MailContent } from '../../adapters/mail/outbox.ts';

export interface InvitationMailInput {
  readonly to: string;
  readonly givenName: string;
  readonly organizationName: string;
  readonly productName: string;
  readonly link: string;
  readonly expiresAt: Date;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The invitation e-mail of the guide's "To Gain Access", in text and HTML. */
export function invitationMail(input: InvitationMailInput): MailContent {
  const until = input.expiresAt.toISOString().slice(0, 10);
  const subject = `Your invitation to ${input.productName} for ${input.organizationName}`.replace(
    /[\r\n]+/g,
    ' ',
  );
  const text = [
    `Hello ${input.givenName},`,
    '',
    `You have been given access to ${input.productName} for ${input.organizationName}.`,
    'Open this link and sign in with your account (or sign up with this e-mail address):',
    '',
    input.link,
    '',
    `The link works once and until ${until}.`,
  ].join('\n');
  const h = escapeHtml;
  const html = `<p>Hello ${h(input.givenName)},</p>
<p>You have been given access to ${h(input.productName)} for <strong>${h(input.organizationName)}</strong>.</p>
<p><a href="${h(input.link)}">Accept the invitation</a> and sign in with your account (or sign up with this e-mail address).</p>
<p>The link works once and until ${h(until)}.</p>`;
  return { to: input.to, subject, text, html };
}
