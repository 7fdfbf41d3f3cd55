/**
 * CSV as RFC 4180 writes it, for a spreadsheet to open: fields separated by commas, records by
 * CRLF, a field with a comma, a double quote, CR or LF enclosed in double quotes (a double quote
 * inside doubled). Written here rather than taken from a library: quoting is these few lines, and
 * the guard below, which a library leaves to its caller, is the part that matters.
 *
 * The guard (OWASP "CSV injection"): a spreadsheet runs a cell that starts with `=`, `+`, `-` or
 * `@` as a formula, and a tab or CR before one still counts; audit events hold names and
 * addresses people typed. Such a cell gets a leading `'`, which spreadsheets show as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field, guarded and quoted as needed. */
export function csvField(value: string | null | undefined): string {
  const text = value ?? '';
  const guarded = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** One record, CRLF-terminated. */
export function csvRecord(fields: readonly (string | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
