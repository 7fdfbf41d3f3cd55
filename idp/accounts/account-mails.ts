import type { MailContent } from '../../adapters/mail/outbox.ts';
import { RESET_TOKEN, VERIFICATION_CODE } from './email-secrets.ts';

// The mails of the account journeys. Subjects are fixed text (no user input can reach a header);
// every value put into HTML is escaped.

const CODE_MINUTES = VERIFICATION_CODE.ttlMs / 60_000;
const RESET_MINUTES = RESET_TOKEN.ttlMs / 60_000;

/** The 6-digit code that verifies a new account's address. */
export function verificationCodeMail(to: string, code: string): MailContent {
  return mail(to, 'Your verification code', [
    `Your verification code is ${code}.`,
    `Enter it on the page where you created your account. It expires in ${CODE_MINUTES} minutes.`,
    'If you did not create an account, you can ignore this e-mail.',
  ]);
}

/**
 * Sent instead of a code when someone signs up with an address that already has an account: the
 * owner learns of it, the person at the form learns nothing (no enumeration, ASVS 2.2.1).
 */
export function alreadyRegisteredMail(to: string): MailContent {
  return mail(to, 'Someone tried to create an account with your e-mail address', [
    'Someone, perhaps you, tried to create a new account with this e-mail address.',
    'You already have an account: sign in with it. If you forgot your password, choose Forgot password on the sign-in page.',
    'If it was not you, you can ignore this e-mail: nothing has changed.',
  ]);
}

/** The single-use link to choose a new password. */
export function passwordResetMail(to: string, link: string): MailContent {
  return mail(to, 'Reset your password', [
    'Someone, perhaps you, asked to reset the password of your account.',
    `To choose a new password, open this link within ${RESET_MINUTES} minutes. It works once.`,
    { link },
    'If it was not you, you can ignore this e-mail: your password has not changed.',
  ]);
}

/** ASVS 2.2.3 / 2.5.5: tell the owner their password changed, in case it was not them. */
export function passwordChangedMail(to: string): MailContent {
  return mail(to, 'Your password was changed', [
    'The password of your account was just changed, and your other sessions were signed out.',
    'If it was not you, choose Forgot password on the sign-in page now to take your account back.',
  ]);
}

type Block = string | { readonly link: string };

function mail(to: string, subject: string, blocks: readonly Block[]): MailContent {
  const text = blocks.map((block) => (typeof block === 'string' ? block : block.link));
  const html = blocks.map((block) =>
    typeof block === 'string'
      ? `<p>${escapeHtml(block)}</p>`
      : `<p><a href="${escapeHtml(block.link)}">${escapeHtml(block.link)}</a></p>`,
  );
  return {
    to,
    subject,
    text: `${text.join('\n\n')}\n`,
    html: `<!doctype html><html><body>${html.join('')}</body></html>`,
  };
}

/** Escape the five characters that matter in HTML text and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
