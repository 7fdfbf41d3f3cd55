import { fileURLToPath } from 'node:url';
import { createMailTemplates } from '../../adapters/mail/mail-templates.ts';
import type { MailContent } from '../../adapters/mail/outbox.ts';
import { RESET_TOKEN, VERIFICATION_CODE } from './email-secrets.ts';

// The mails of the account journeys, their bodies in idp/views/mail/. Subjects are fixed text (no
// user input can reach a header); every value put into HTML is escaped by the template.

const templates = createMailTemplates(fileURLToPath(new URL('../views/mail', import.meta.url)));

const CODE_MINUTES = VERIFICATION_CODE.ttlMs / 60_000;
const RESET_MINUTES = RESET_TOKEN.ttlMs / 60_000;

/** The 6-digit code that verifies a new account's address. */
export function verificationCodeMail(to: string, code: string): MailContent {
  return mail(to, 'Your verification code', 'verification-code', { code, minutes: CODE_MINUTES });
}

/**
 * Sent instead of a code when someone signs up with an address that already has an account: the
 * owner learns of it, the person at the form learns nothing (no enumeration, ASVS 2.2.1).
 */
export function alreadyRegisteredMail(to: string): MailContent {
  return mail(to, 'Someone tried to create an account with your e-mail address', 'already-registered');
}

/** The single-use link to choose a new password. */
export function passwordResetMail(to: string, link: string): MailContent {
  return mail(to, 'Reset your password', 'password-reset', { link, minutes: RESET_MINUTES });
}

/** ASVS 2.2.3 / 2.5.5: tell the owner their password changed, in case it was not them. */
export function passwordChangedMail(to: string): MailContent {
  return mail(to, 'Your password was changed', 'password-changed');
}

function mail(
  to: string,
  subject: string,
  template: string,
  data: Record<string, unknown> = {},
): MailContent {
  return { to, subject, ...templates.render(template, data) };
}
