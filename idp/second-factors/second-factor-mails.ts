import { fileURLToPath } from 'node:url';
import { createMailTemplates } from '../../adapters/mail/mail-templates.ts';
import type { MailContent } from '../../adapters/mail/outbox.ts';

// ASVS 5.0 V6.3.7: the owner hears of every change to how their account is signed in to, in case
// it was not them. Subjects are fixed text; the bodies are idp/views/mail/second-factor-changed.*.

const templates = createMailTemplates(fileURLToPath(new URL('../views/mail', import.meta.url)));

/** What changed, in the words of the mail's subject. */
export const SECOND_FACTOR_CHANGES = {
  passkeyAdded: 'A passkey was added to your account',
  passkeyRemoved: 'A passkey was removed from your account',
  authenticatorAppAdded: 'An authenticator app was set up for your account',
  authenticatorAppRemoved: 'The authenticator app was removed from your account',
  recoveryCodesCreated: 'New recovery codes were created for your account',
} as const;

export type SecondFactorChange = keyof typeof SECOND_FACTOR_CHANGES;

/** The mail telling `to` that `change` happened to their account. */
export function secondFactorChangedMail(to: string, change: SecondFactorChange): MailContent {
  const subject = SECOND_FACTOR_CHANGES[change];
  return { to, subject, ...templates.render('second-factor-changed', { what: subject }) };
}
