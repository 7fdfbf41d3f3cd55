import { type CsvError, parse } from 'csv-parse/sync';
import { AppError } from '../../adapters/http/errors.ts';
import type { ImportRow } from './professional-import.entity.ts';
import { profileSchema } from './profile-input.ts';

/** The most professionals one file adds. */
export const MAX_IMPORT_ROWS = 5_000;
/** The largest file taken: 5,000 rows of long names, addresses and titles fit well within it. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** No cell of a well-formed file comes near this: the longest field, an e-mail, takes 254. */
const MAX_RECORD_CHARACTERS = 4_096;

/** The columns, as the first row names them (any case; spaces, hyphens and underscores ignored). */
export const IMPORT_COLUMNS = [
  { key: 'givenName', label: 'Given name', names: ['givenname', 'firstname'], required: true },
  { key: 'familyName', label: 'Family name', names: ['familyname', 'lastname', 'surname'], required: true },
  { key: 'email', label: 'E-mail', names: ['email', 'emailaddress'], required: true },
  { key: 'phone', label: 'Phone', names: ['phone', 'phonenumber', 'telephone'], required: false },
  { key: 'jobTitle', label: 'Job title', names: ['jobtitle', 'title'], required: false },
  { key: 'role', label: 'Role', names: ['role', 'roles'], required: false },
] as const;
type ColumnKey = (typeof IMPORT_COLUMNS)[number]['key'];

/** What is wrong with one row of the file: nothing of the file is imported while any row has one. */
export interface RowProblem {
  readonly row: number;
  /** The row's name and e-mail as the file has them (shortened), to find it by. */
  readonly label: string;
  readonly problems: readonly string[];
}

/** A file read: its rows as they would be imported, and the problems of the rows that cannot be. */
export interface ReadImport {
  readonly rows: readonly ImportRow[];
  readonly problems: readonly RowProblem[];
}

/**
 * Read an uploaded CSV file of professionals (csv-parse): UTF-8 text (a BOM is fine), commas
 * between columns, a first row naming the columns, at most `MAX_IMPORT_ROWS` rows. A file that
 * is not that is refused whole with `IMPORT_FILE` errors saying what to change; each row is then
 * checked as the Add New Professionals form checks it (`profileSchema`), plus what only a file
 * can get wrong: a duplicate address, a role the import does not give, a formula cell.
 */
export function readImportFile(bytes: Uint8Array): ReadImport {
  if (bytes.length === 0) throw refused('The file is empty. Choose a CSV file with a row per professional.');
  if (bytes.length > MAX_IMPORT_BYTES) throw tooLarge();
  if (bytes.includes(0))
    throw refused('This is not a CSV text file (it holds binary data). Save the spreadsheet as “CSV UTF-8”.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refused('The file is not UTF-8 text. Save the spreadsheet as “CSV UTF-8” and upload that file.');
  }
  checkDelimiter(text);
  let records: { record: string[]; info: { records: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: ',',
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARACTERS,
    }) as unknown as typeof records; // with `info`, each record comes with where it ends
  } catch (error) {
    throw csvRefusal(error as CsvError);
  }
  const [header, ...data] = records;
  if (!header) throw refused('The file is empty. Choose a CSV file with a row per professional.');
  const columns = columnsOf(header.record);
  const body = data.filter(({ record }) => record.some((cell) => cell.trim() !== ''));
  if (body.length === 0) throw refused('The file names its columns but has no professionals below them.');
  if (body.length > MAX_IMPORT_ROWS)
    throw refused(
      `The file has ${body.length.toLocaleString('en-US')} professionals; one import takes at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')}. Split it into several files.`,
    );
  const rows: ImportRow[] = [];
  const problems: RowProblem[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { record, info } of body) {
    // The header is row 1, as a spreadsheet numbers it (a cell of several lines is one row).
    const row = info.records;
    const cell = (key: ColumnKey) => {
      const index = columns.get(key);
      return index === undefined ? '' : (record[index] ?? '');
    };
    const found: string[] = [];
    if (record.length !== header.record.length)
      found.push(`This row has ${record.length} columns; the first row names ${header.record.length}.`);
    for (const column of IMPORT_COLUMNS) {
      const value = cell(column.key).trim();
      const phoneNumber = column.key === 'phone' && /^\+[\d\s().-]*$/.test(value);
      if (/^[=+\-@]/.test(value) && !phoneNumber)
        found.push(
          `${column.label}: starts with “${value[0]}”, which a spreadsheet runs as a formula. Remove it.`,
        );
    }
    const profile = profileSchema.safeParse({
      givenName: cell('givenName'),
      familyName: cell('familyName'),
      email: cell('email'),
      phone: cell('phone'),
      jobTitle: cell('jobTitle'),
    });
    if (!profile.success) {
      const seen = new Set<string>();
      for (const issue of profile.error.issues) {
        const key = String(issue.path[0]);
        if (seen.has(key)) continue;
        seen.add(key);
        const label = IMPORT_COLUMNS.find((c) => c.key === key)?.label ?? key;
        found.push(`${label}: ${issue.message}`);
      }
    }
    const administrator = roleOf(cell('role'), found);
    const email = profile.success ? profile.data.email : cell('email').trim();
    const first = firstRowOf.get(email.toLowerCase());
    if (email && first !== undefined) found.push(`E-mail: the same address is on row ${first}.`);
    else if (email) firstRowOf.set(email.toLowerCase(), row);
    if (found.length > 0 || !profile.success) {
      problems.push({ row, label: labelOf(cell('givenName'), cell('familyName'), email), problems: found });
      continue;
    }
    rows.push({ row, ...profile.data, administrator });
  }
  return { rows, problems };
}

/** The problem of a row whose address already belongs to a professional of the organization. */
export function alreadyAProfessional(row: ImportRow): RowProblem {
  return {
    row: row.row,
    label: labelOf(row.givenName, row.familyName, row.email),
    problems: ['E-mail: already a professional of this account.'],
  };
}

const MANDATORY_ROLES = ['billing contact', 'shipping contact'];

function roleOf(value: string, found: string[]): boolean {
  const role = value.trim().replace(/\s+/g, ' ').toLowerCase();
  if (role === '') return false;
  if (role === 'administrator') return true;
  if (MANDATORY_ROLES.includes(role)) {
    found.push(
      `Role: ${role === 'billing contact' ? 'Billing Contact' : 'Shipping Contact'} is a mandatory role, and mandatory roles are never moved by an import. Leave the role empty, or write Administrator; move a mandatory role on the professional’s page.`,
    );
    return false;
  }
  found.push(
    `Role: “${shortened(value.trim(), 40)}” is not a role an import gives. Write Administrator, or leave it empty.`,
  );
  return false;
}

function columnsOf(header: readonly string[]): Map<ColumnKey, number> {
  const columns = new Map<ColumnKey, number>();
  const expected = IMPORT_COLUMNS.map((c) => c.label).join(', ');
  for (const [index, raw] of header.entries()) {
    const name = raw.toLowerCase().replace(/[\s_-]+/g, '');
    const column = IMPORT_COLUMNS.find((c) => (c.names as readonly string[]).includes(name));
    if (!column)
      throw refused(
        `The first row names a column “${shortened(raw.trim(), 40)}” the import does not know. Name the columns ${expected}.`,
      );
    if (columns.has(column.key)) throw refused(`The first row names the column ${column.label} twice.`);
    columns.set(column.key, index);
  }
  const missing = IMPORT_COLUMNS.filter((c) => c.required && !columns.has(c.key)).map((c) => c.label);
  if (missing.length > 0)
    throw refused(
      `The first row must name the columns; ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Name the columns ${expected}.`,
    );
  return columns;
}

/** A first row without a comma but with semicolons or tabs: saved with another delimiter. */
function checkDelimiter(text: string): void {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.includes(',')) return;
  const other = firstLine.includes(';') ? 'semicolons (;)' : firstLine.includes('\t') ? 'tabs' : undefined;
  if (other)
    throw refused(
      `The columns are separated by ${other}. Separate them by commas: save the spreadsheet as “CSV UTF-8 (comma delimited)”.`,
    );
}

function csvRefusal(error: CsvError): AppError {
  const line = typeof error.lines === 'number' ? ` (line ${error.lines})` : '';
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return refused(
        `A quoted cell is never closed${line}: a " is missing. Correct the file and upload it again.`,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return refused(
        `A quote is out of place${line}: inside a quoted cell, write a quote twice (""). Correct the file and upload it again.`,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return refused(
        `A row is far too long${line}: no cell may exceed a few hundred characters. Correct the file and upload it again.`,
      );
    default:
      return refused(
        `The file could not be read as CSV${line}. Save the spreadsheet as “CSV UTF-8” and upload that file.`,
      );
  }
}

function labelOf(givenName: string, familyName: string, email: string): string {
  return shortened(
    `${givenName.trim()} ${familyName.trim()} ${email.trim() ? `<${email.trim()}>` : ''}`.trim(),
    80,
  );
}

function shortened(value: string, max: number): string {
  // Shown on the page: printable only, whatever the file held.
  const printable = value.replace(/[\p{Cc}\u2028\u2029]/gu, '�');
  return printable.length > max ? `${printable.slice(0, max - 1)}…` : printable;
}

function refused(message: string): AppError {
  return new AppError('BAD_REQUEST', 400, message);
}

export function tooLarge(): AppError {
  return new AppError(
    'BAD_REQUEST',
    413,
    `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB. An import takes at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')} professionals: split the file into several.`,
  );
}
