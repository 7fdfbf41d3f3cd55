import { AppError } from '../../adapters/http/errors.ts';

// RFC 5321 §4.5.3.1: a path is at most 256 octets including the angle brackets, so 254 for the
// address itself; a local part is at most 64.
const MAX_ADDRESS = 254;
const MAX_LOCAL_PART = 64;
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const WHITESPACE = /\s/u;
// Characters that would need quoting in a mail header: refused rather than quoted, so the address
// we store is the one the outbox can send to without a parser's interpretation.
const SPECIALS = /[<>()[\]\\,;:"]/;

/**
 * Why `raw` is not an e-mail address we accept, in words for the person who typed it, or
 * `undefined`. Checks the normalised form (see `normaliseEmail`).
 */
export function emailProblem(raw: string): string | undefined {
  if (CONTROL.test(raw)) return 'Enter an e-mail address without special characters.';
  const address = canonical(raw);
  if (address === '') return 'Enter your e-mail address.';
  if (WHITESPACE.test(address)) return 'Enter an e-mail address without spaces.';
  if ([...address].length > MAX_ADDRESS)
    return `Enter an e-mail address of at most ${MAX_ADDRESS} characters.`;
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (at < 1 || domain === '' || local.includes('@') || SPECIALS.test(address)) {
    return 'Enter an e-mail address like name@example.com.';
  }
  if ([...local].length > MAX_LOCAL_PART) return 'The part before @ is too long.';
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    return 'Enter an e-mail address like name@example.com.';
  }
  return undefined;
}

/**
 * The one form of an e-mail address we store and look up: NFKC, trimmed, lower case. Two ways of
 * typing the same address (full-width letters, capitals, a trailing space) find the same account.
 * Throws `AppError('INVALID_INPUT')` with an `email` field message when it is not an address.
 *
 * @example
 *   normaliseEmail('  John.Doe@Example.COM '); // 'john.doe@example.com'
 */
export function normaliseEmail(raw: string): string {
  const problem = emailProblem(raw);
  if (problem) throw new AppError('INVALID_INPUT', 400, problem, { fields: { email: problem } });
  return canonical(raw);
}

/** `normaliseEmail`, or `undefined` for input that is not an address (look-ups that must not throw). */
export function normaliseEmailOrUndefined(raw: string): string | undefined {
  return emailProblem(raw) === undefined ? canonical(raw) : undefined;
}

function canonical(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}
