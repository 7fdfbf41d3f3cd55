import { type IncomingHttpHeaders, request } from 'node:http';

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RawRequestOptions {
  readonly method?: string;
  /** Sent as written, `Host` included (which `fetch` always sets itself). */
  readonly headers?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Record<string, string>;
  /** Connect here instead of to the URL's host and port (a Unix socket: a peer with no IP address). */
  readonly socketPath?: string;
}

/**
 * One HTTP/1.1 request exactly as given, on a connection of its own; the answer read in full.
 * For what `fetch` cannot send: a foreign `Host`, the public `Host` to one instance directly.
 *
 * @example
 *   const answer = await rawRequest(`${idp.issuer}/token`, { method: 'POST', headers: { host: 'evil.example' } });
 */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawAnswer> {
  const target = new URL(url);
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const headers: Record<string, string> = { connection: 'close', ...options.headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((ok, fail) => {
    const req = request(
      {
        ...(options.socketPath
          ? { socketPath: options.socketPath }
          : { host: target.hostname, port: target.port }),
        method: options.method ?? 'GET',
        path: `${target.pathname}${target.search}`,
        headers,
        agent: false,
      },
      async (res) =>
        ok({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(await res.toArray()).toString(),
        }),
    );
    req.on('error', fail);
    req.end(body);
  });
}
