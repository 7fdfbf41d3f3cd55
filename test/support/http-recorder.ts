/** One request made through `fetch` in this process (by a test client or by a service) and its answer. */
export interface Exchange {
  readonly url: URL;
  readonly method: string;
  readonly requestHeaders: Headers;
  /** A form or JSON body as text; undefined for none or a stream. */
  readonly body: string | undefined;
  readonly status: number;
  readonly responseHeaders: Headers;
  /** A JSON response's top-level fields (token responses: `access_token`, `id_token`…). */
  readonly json: Record<string, unknown> | undefined;
}

export interface HttpRecorder {
  readonly exchanges: Exchange[];
  stop(): void;
}

/**
 * Record every `fetch` of the process until `stop()`: the browserless client's requests and the
 * portal's calls to the IdP (discovery, token, userinfo) alike, so a test knows every secret that
 * went over the wire.
 */
export function recordHttp(): HttpRecorder {
  const original = globalThis.fetch;
  const exchanges: Exchange[] = [];
  globalThis.fetch = async (input, init) => {
    // Read without building a Request: that would lock a streamed body before `fetch` sends it.
    const given = input instanceof Request ? input : undefined;
    const body =
      typeof init?.body === 'string' || init?.body instanceof URLSearchParams ? String(init.body) : undefined;
    const response = await original(input, init);
    const json = response.headers.get('content-type')?.includes('json')
      ? ((await response.clone().json()) as Record<string, unknown>)
      : undefined;
    exchanges.push({
      url: new URL(given?.url ?? String(input)),
      method: init?.method ?? given?.method ?? 'GET',
      requestHeaders: new Headers(init?.headers ?? given?.headers),
      body,
      status: response.status,
      responseHeaders: response.headers,
      json,
    });
    return response;
  };
  const stop = () => {
    globalThis.fetch = original;
  };
  return { exchanges, stop };
}
