import { fileURLToPath } from 'node:url';
import { precompiledEta } from '../http/eta-precompiled-templates.ts';
import type { OutboxStats } from './dispatcher.ts';
import type { ReceivedMail } from './smtp-receiver.ts';

/** Renders the dev mailbox page. */
export type MailboxPage = (mails: readonly ReceivedMail[], outbox: readonly OutboxStats[]) => string;

/** A piece of a text body: plain text, or an http(s) URL the page shows as a link. */
type TextPart = { readonly text: string; readonly url?: undefined } | { readonly url: string };

/**
 * The dev mailbox page (views/dev-mailbox.eta): received mail newest first, text bodies only.
 * Everything from the mail is escaped by the template (its HTML body is never rendered: it is
 * untrusted markup); only http(s) URLs of the text become links, so a developer can follow a
 * verification or invitation link.
 */
export function createMailboxPage(): MailboxPage {
  const eta = precompiledEta(fileURLToPath(new URL('./views', import.meta.url)), { autoEscape: true });
  return (mails, outbox) =>
    eta.render('dev-mailbox', {
      mails: [...mails].reverse().map(mailView),
      waiting: outbox.map(waitingLine).join(' '),
    });
}

function mailView(mail: ReceivedMail) {
  return {
    subject: mail.subject,
    from: mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address,
    to: mail.to.join(', '),
    date: mail.date.toISOString(),
    text: textParts(mail.text),
  };
}

function waitingLine(stats: OutboxStats): string {
  if (stats.pending === 0) return '';
  return `${stats.pending} mail(s) still waiting to be sent, the oldest for ${stats.oldestPendingAgeSeconds} s.`;
}

const URL_PATTERN = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** The text cut around each http(s) URL (a link, with no `Referer`: it would be this page). */
function textParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    parts.push({ text: text.slice(last, match.index) }, { url: match[0] });
    last = match.index + match[0].length;
  }
  parts.push({ text: text.slice(last) });
  return parts;
}
