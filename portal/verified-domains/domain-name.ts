import { domainToASCII } from 'node:url';
import freeEmailDomains from 'free-email-domains';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter } from '../../adapters/http/control-characters.ts';
import { invalidInput } from '../../adapters/http/forms.ts';

/** The name under a domain whose TXT record proves it: `_gatehouse-challenge.<domain>`. */
export const CHALLENGE_LABEL = '_gatehouse-challenge';

export function challengeNameOf(domain: string): string {
  return `${CHALLENGE_LABEL}.${domain}`;
}

// What a typed domain may hold before `domainToASCII` sees it: the WHATWG URL parser it runs would
// decode `%41`, cut at `/`, `?` or `#`, and read `user@` or `:port`, so `ex/a.com` would become
// `ex`. Anything of that kind is refused rather than silently changed.
const URL_SYNTAX = /[\s/\\%@:?#[\]]/u;
// RFC 1123 §2.1 host name labels, after IDNA: letters, digits, hyphens, not at either end.
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The domain as it is stored and compared: lower case, without the trailing dot of a fully
 * qualified name, internationalized names in their ASCII form (`bücher.example` →
 * `xn--bcher-kva.example`, UTS #46 through `domainToASCII`). Refused, as `INVALID_INPUT` on the
 * `domain` field: control characters, URL syntax, IP addresses, single labels, labels that are no
 * host name's, and names longer than DNS allows (RFC 1035 §2.3.4).
 *
 * @example
 *   normalizeDomain(' Contoso.COM. ') // 'contoso.com'
 */
export function normalizeDomain(input: string): string {
  const problem = domainProblem(input);
  if (typeof problem === 'string') throw invalidInput({ domain: problem });
  return problem.domain;
}

function domainProblem(input: string): string | { domain: string } {
  if (hasControlCharacter(input)) return CONTROL_CHARACTER_MESSAGE;
  const typed = input.trim().replace(/\.$/, '');
  if (!typed) return 'Enter the domain of your e-mail addresses, e.g. contoso.com.';
  if (URL_SYNTAX.test(typed)) return 'Enter the domain alone, e.g. contoso.com: no address, path or port.';
  const domain = domainToASCII(typed);
  const labels = domain.split('.');
  if (!domain || !labels.every((label) => LABEL.test(label)) || domain.length > 253)
    return 'This is not a valid domain name. Enter it as in an e-mail address, e.g. contoso.com.';
  if (/^\d+$/.test(labels.at(-1)!)) return 'Enter a domain name, not an IP address.';
  if (labels.length < 2) return 'Enter a full domain name with a dot, e.g. contoso.com.';
  return { domain };
}

const PUBLIC_MAIL_DOMAINS: ReadonlySet<string> = new Set(freeEmailDomains);

/**
 * A domain anyone can get an address at (free and disposable mail providers, from the maintained
 * `free-email-domains` list): verifying it would let every one of its users in.
 */
export function isPublicMailDomain(domain: string): boolean {
  return PUBLIC_MAIL_DOMAINS.has(domain);
}

/** The same domain, or one is a subdomain of the other (`eu.contoso.com` and `contoso.com`). */
export function overlaps(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** The domain part of an e-mail address as `normalizeDomain` would store it; undefined if none or invalid. */
export function mailDomainOfAddress(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  const problem = domainProblem(email.slice(at + 1));
  return typeof problem === 'string' ? undefined : problem.domain;
}
