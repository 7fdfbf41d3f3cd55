import { CookieJar } from 'tough-cookie';
import { formOf } from './html-page.ts';

/**
 * A cookie-keeping HTTP client that walks our pages as a browser would, without one: it follows
 * redirects (keeping the hops), keeps cookies per origin in a cookie jar (expiry, deletion and Path
 * as a browser applies them), and submits forms with their hidden fields.
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
  /**
   * Fill the form whose action contains `action` and submit it as `multipart/form-data` with
   * `file` in its file field `name`, as a browser sends an upload.
   */
  upload(
    page: Page,
    file: { field: string; name: string; content: string | Uint8Array; type?: string },
    action?: string,
    fields?: Record<string, string>,
  ): Promise<Page>;
  /** The value of the cookie `name` held for `origin`, whatever its Path; undefined once expired or deleted. */
  cookie(origin: string, name: string): string | undefined;
  /** Follow redirects until a URL starting with `prefix` is reached; returns that URL without fetching it. */
  readonly stopAt: string[];
}

export function browserlessClient(): BrowserlessClient {
  // Cookies do not keep ports apart (RFC 6265 §8.5), but the IdPs and portals of a test all listen
  // on 127.0.0.1, each on a port of its own: one jar per origin keeps them apart as the separate
  // hosts they stand for.
  const jars = new Map<string, CookieJar>();
  const jarOf = (url: URL) => {
    const jar = jars.get(url.origin) ?? new CookieJar();
    jars.set(url.origin, jar);
    return jar;
  };
  const stopAt: string[] = [];

  const request = async (
    first: string,
    init: { method: string; body?: URLSearchParams | FormData },
  ): Promise<Page> => {
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
        headers: { cookie: jarOf(url).getCookieStringSync(url), accept: 'text/html' },
      });
      for (const line of res.headers.getSetCookie()) jarOf(url).setCookieSync(line, url);
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
      const form = formOf(page, action);
      return request(form.action, {
        method: 'POST',
        body: new URLSearchParams({ ...form.hidden, ...fields }),
      });
    },
    async upload(page, file, action, fields = {}) {
      const form = formOf(page, action);
      const body = new FormData();
      for (const [name, value] of Object.entries({ ...form.hidden, ...fields })) body.append(name, value);
      const content = typeof file.content === 'string' ? file.content : new Uint8Array(file.content);
      body.append(file.field, new Blob([content], { type: file.type ?? 'text/csv' }), file.name);
      return request(form.action, { method: 'POST', body });
    },
    cookie: (origin, name) => {
      const url = new URL(origin);
      return jarOf(url)
        .getCookiesSync(url, { allPaths: true })
        .find((c) => c.key === name)?.value;
    },
  };
}
