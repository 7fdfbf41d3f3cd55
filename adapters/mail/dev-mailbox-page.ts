import type { OutboxStats } from './dispatcher.ts';
import type { ReceivedMail } from './smtp-receiver.ts';

/**
 * The dev mailbox page: received mail newest first, text bodies only. Everything from the mail is
 * escaped (its HTML body is never rendered: it is untrusted markup); only http(s) URLs of the text
 * become links, so a developer can follow a verification or invitation link.
 */
export function renderMailboxPage(mails: readonly ReceivedMail[], outbox: readonly OutboxStats[]): string {
  const items = [...mails].reverse().map(renderMail).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Dev mailbox</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
article { border: 1px solid #ccc; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
dt { font-weight: bold; } dd { margin: 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>Dev mailbox</h1>
<p>Mail sent while <code>SMTP_URL</code> is unset lands here. ${outbox.map(renderOutbox).join(' ')}</p>
${items || '<p>No mail yet.</p>'}
</body>
</html>`;
}

function renderMail(mail: ReceivedMail): string {
  const from = mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address;
  return `<article>
<h2>${escapeHtml(mail.subject)}</h2>
<dl>
<dt>From</dt><dd>${escapeHtml(from)}</dd>
<dt>To</dt><dd>${escapeHtml(mail.to.join(', '))}</dd>
<dt>Date</dt><dd><time datetime="${mail.date.toISOString()}">${mail.date.toISOString()}</time></dd>
</dl>
<pre>${linkify(mail.text)}</pre>
</article>`;
}

function renderOutbox(stats: OutboxStats): string {
  if (stats.pending === 0) return '';
  return `${stats.pending} mail(s) still waiting to be sent, the oldest for ${stats.oldestPendingAgeSeconds} s.`;
}

const URL_PATTERN = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Escape the text, turning each http(s) URL into a link (no `Referer`: it would be this page). */
export function linkify(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = escapeHtml(match[0]);
    html += `${escapeHtml(text.slice(last, match.index))}<a href="${url}" rel="noreferrer">${url}</a>`;
    last = match.index + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
