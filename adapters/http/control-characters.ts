/**
 * The control characters no form field takes: C0 (U+0000–U+001F: NUL, tab, LF, CR…), DEL
 * (U+007F) and C1 (U+0080–U+009F), which together are Unicode's general category Cc, plus the
 * line and paragraph separators U+2028/U+2029. A name, address or title never holds one; CR/LF
 * would split a mail header (ASVS 1.3.11), NUL cannot be stored in PostgreSQL text, and the others
 * make look-alike values (ASVS 2.2.1). The same set as the IdP's account fields refuse.
 *
 * @example
 *   hasControlCharacter('Ada\r\nBcc: x@y') // true
 */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

/** What a field with a control character says, next to the field. */
export const CONTROL_CHARACTER_MESSAGE = 'Remove the line break, tab or other control character.';

/** True when `value` holds a character of `CONTROL_CHARACTER`. */
export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}
