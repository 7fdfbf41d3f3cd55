/**
 * oidc-provider's outgoing fetch (back-channel logout calls) without its guard against special-use
 * addresses, for ALLOW_PRIVATE_NETWORK_CALLBACKS: apps on loopback or a private network, as in
 * development, the tests and a compose network.
 *
 * Written against oidc-provider 9.13.3, whose lib/helpers/fetch_request.js puts the guard in as
 * an undici `dispatcher` option before calling the configured `fetch(url, options)`; this `fetch`
 * drops that option and calls the global one. test/idp/library-patches.test.ts fails if the guard
 * moves elsewhere.
 */
export function fetchWithoutSsrfGuard(url: Parameters<typeof fetch>[0], options?: RequestInit) {
  const { dispatcher: _guard, ...rest } = (options ?? {}) as RequestInit & { dispatcher?: unknown };
  return fetch(url, rest);
}
