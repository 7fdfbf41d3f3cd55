import { Agent, type IncomingHttpHeaders, request } from 'node:http';

/** One HTTP answer, body read in full. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Record<string, string>;
}

/** Plain HTTP to one service over a fixed set of keep-alive connections, as a load generator. */
export interface HttpTarget {
  readonly origin: string;
  get(path: string, options?: RequestOptions): Promise<Reply>;
  post(path: string, options?: RequestOptions): Promise<Reply>;
  close(): void;
}

/**
 * Keep-alive connections (at most `connections`) to the service at `origin`. Every request says
 * it arrived over HTTPS (`X-Forwarded-Proto`) for `publicHost` (`X-Forwarded-Host`, the host of the
 * service's public URL), as a TLS-terminating proxy in front of a production instance would: the
 * service runs with `TRUST_PROXY` and secure cookies, as deployed, and answers only for that host.
 * `node:http` rather than `fetch`: a lighter client leaves more of its core to the database.
 */
export function httpTarget(
  origin: string,
  connections: number,
  publicHost = new URL(origin).host,
): HttpTarget {
  const url = new URL(origin);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const send = (method: string, path: string, options: RequestOptions = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
      const headers: Record<string, string> = {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': publicHost,
        ...options.headers,
      };
      if (body !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const req = request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    origin,
    get: (path, options) => send('GET', path, options),
    post: (path, options) => send('POST', path, options),
    close: () => agent.destroy(),
  };
}

/** The cookies one browser holds for the service (paths ignored: every cookie goes everywhere). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Keep what a reply set; a cookie set empty or already expired is forgotten. */
  keep(reply: Reply): void {
    for (const line of reply.headers['set-cookie'] ?? []) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    if (this.#cookies.size === 0) return {};
    return { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

/** Fail unless the reply has the expected status; the message carries the start of the body. */
export function expectStatus(reply: Reply, status: number, step: string): Reply {
  if (reply.status !== status)
    throw new Error(`${step}: expected HTTP ${status}, got ${reply.status}: ${reply.body.slice(0, 300)}`);
  return reply;
}

/** Where a redirect points; follow it with `pathOf` (the service names itself by its https issuer). */
export function redirectTarget(reply: Reply, step: string): URL {
  const location = reply.headers.location;
  if (reply.status < 300 || reply.status >= 400 || !location)
    throw new Error(`${step}: expected a redirect, got ${reply.status}: ${reply.body.slice(0, 300)}`);
  return new URL(location, 'https://service.invalid');
}

export function pathOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}
