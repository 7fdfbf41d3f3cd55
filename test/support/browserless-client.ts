/**
 * A cookie-keeping HTTP client that walks our pages as a browser would, without one: it follows
 * redirects (keeping the hops), keeps cookies per origin, and submits forms with their hidden fields.
 */
export interface Page {
  readonly url: string;
  readonly status: number;
  readonly html: string;
  readonly headers: Headers;
  /** Every URL visited to reach this page, the first request included. */
  readonly hops: readonly string[];
}

export interface BrowserlessClient {
  get(url: string): Promise<Page>;
  /** Fill the form whose action contains `action` (or the first form) and submit it. */
  submit(page: Page, fields: Record<string, string>, action?: string): Promise<Page>;
  post(url: string, fields: Record<string, string>): Promise<Page>;
  cookie(origin: string, name: string): string | undefined;
  /** Follow redirects until a URL starting with `prefix` is reached; returns that URL without fetching it. */
  readonly stopAt: string[];
}

export function browserlessClient(): BrowserlessClient {
  const jar = new Map<string, Map<string, string>>();
  const stopAt: string[] = [];

  const cookieHeader = (url: URL) =>
    [...(jar.get(url.origin) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');

  const keep = (url: URL, headers: Headers) => {
    const cookies = jar.get(url.origin) ?? new Map<string, string>();
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    jar.set(url.origin, cookies);
  };

  const request = async (first: string, init: { method: string; body?: URLSearchParams }): Promise<Page> => {
    const hops: string[] = [];
    let url = new URL(first);
    let method = init.method;
    let body = init.body;
    for (let i = 0; i < 20; i++) {
      hops.push(url.toString());
      if (i > 0 && stopAt.some((p) => url.toString().startsWith(p))) {
        return { url: url.toString(), status: 0, html: '', headers: new Headers(), hops };
      }
      const res = await fetch(url, {
        method,
        body,
        redirect: 'manual',
        headers: { cookie: cookieHeader(url), accept: 'text/html' },
      });
      keep(url, res.headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url);
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        await res.arrayBuffer();
        continue;
      }
      return { url: url.toString(), status: res.status, html: await res.text(), headers: res.headers, hops };
    }
    throw new Error(`too many redirects from ${first}`);
  };

  return {
    stopAt,
    get: (url) => request(url, { method: 'GET' }),
    post: (url, fields) => request(url, { method: 'POST', body: new URLSearchParams(fields) }),
    async submit(page, fields, action) {
      const form = findForm(page.html, action);
      const target = new URL(decodeEntities(form.action || page.url), page.url).toString();
      return request(target, { method: 'POST', body: new URLSearchParams({ ...form.hidden, ...fields }) });
    },
    cookie: (origin, name) => jar.get(new URL(origin).origin)?.get(name),
  };
}

function findForm(html: string, action?: string): { action: string; hidden: Record<string, string> } {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
  const match = forms.find((f) => !action || attr(f[1] ?? '', 'action')?.includes(action));
  if (!match)
    throw new Error(`no form${action ? ` posting to ${action}` : ''} on the page:\n${html.slice(0, 2000)}`);
  const hidden: Record<string, string> = {};
  for (const input of (match[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = input[1] ?? '';
    if (attr(attrs, 'type') !== 'hidden') continue;
    const name = attr(attrs, 'name');
    if (name) hidden[name] = decodeEntities(attr(attrs, 'value') ?? '');
  }
  return { action: attr(match[1] ?? '', 'action') ?? '', hidden };
}

function attr(attrs: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attrs)?.[1];
}

/** Undo the HTML escaping of attribute values (Eta escapes & < > " '). */
export function decodeEntities(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}
