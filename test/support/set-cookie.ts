import { Cookie } from 'tough-cookie';

/**
 * The cookies of Set-Cookie lines, parsed as a browser parses them (RFC 6265 §5.2), so a test reads
 * `httpOnly`, `sameSite`, `path`, `domain` (null when host-only) rather than matching the line.
 *
 * @example
 *   const session = setCookieNamed(res.headers.getSetCookie(), 'portal_session');
 *   expect(session?.httpOnly).toBe(true);
 */
export function parsedSetCookies(lines: readonly string[]): Cookie[] {
  return lines.map((line) => {
    const cookie = Cookie.parse(line);
    if (!cookie) throw new Error(`not a Set-Cookie a browser would keep: ${line}`);
    return cookie;
  });
}

/** The cookie `name` among Set-Cookie `lines` (the first when set twice), or undefined. */
export function setCookieNamed(lines: readonly string[], name: string): Cookie | undefined {
  return parsedSetCookies(lines).find((cookie) => cookie.key === name);
}
