import { promises as dns } from 'node:dns';

/**
 * What the DNS said about a TXT name: its records, that there are none (`NXDOMAIN`: no such
 * name; `NODATA`: the name has no TXT record), or nothing at all because no resolver answered
 * (timeout, refused, `SERVFAIL`) — which says nothing about the record and must not be taken as
 * its absence.
 */
export type TxtAnswer =
  | { readonly kind: 'records'; readonly values: readonly string[] }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreachable'; readonly code: string };

/** Looks up the TXT records of one name. */
export type TxtLookup = (name: string) => Promise<TxtAnswer>;

// A definite answer from a resolver: the name does not exist, or holds no record of this type.
const ABSENT: ReadonlySet<string> = new Set([dns.NOTFOUND, dns.NODATA]);

/**
 * TXT look-ups through Node's resolver on `servers` (`DNS_SERVERS`, `host` or `host:port`), or the
 * system's when unset. Each record's strings are joined, as RFC 7208 §3.3 reads a record split in
 * 255-octet strings.
 *
 * @example
 *   const lookup = txtLookup(['192.0.2.53:5353']);
 *   await lookup('_gatehouse-challenge.contoso.com'); // { kind: 'records', values: ['gh-…'] }
 */
export function txtLookup(servers?: readonly string[]): TxtLookup {
  const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });
  if (servers) resolver.setServers([...servers]);
  return async (name) => {
    try {
      const records = await resolver.resolveTxt(name);
      return { kind: 'records', values: records.map((strings) => strings.join('')) };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && ABSENT.has(code)) return { kind: 'absent' };
      return { kind: 'unreachable', code: typeof code === 'string' ? code : 'UNKNOWN' };
    }
  };
}
