import type { Database } from '../../adapters/db/database.ts';
import { isId } from '../../adapters/db/ids.ts';
import { query, statement } from '../../adapters/db/statements.ts';
import type { Gender } from './account.entity.ts';

// Every sign-in reads its account three times (password check, resume, token endpoint), every
// userinfo and refresh once: these reads are prepared statements on the ORM's pool, with no
// entity hydrated. They are not cached between requests: a deleted account, or one whose sessions
// were ended, is refused on the very next request. Dates come back as text (the ORM's type
// parsers), so the statements say what shape they want.

const FOR_SIGN_IN = statement(
  'idp.account.for-sign-in',
  // A disabled account signs nobody in and backs no token: it reads as one that does not exist.
  'select id, email, email_verified, password_hash from idp.account where email = $1 and disabled_at is null',
);

/**
 * The account whose uuid is `idExpression` (an SQL expression) as a `ClaimsRow` in JSON, or SQL
 * null. Token lookups use it to bring the account along (adapters/oidc/token-finder.ts).
 */
export function accountClaimsJson(idExpression: string): string {
  return `(select json_build_object('id', a.id, 'email', a.email, 'emailVerified', a.email_verified,
      'givenName', a.given_name, 'familyName', a.family_name, 'birthdate', a.birthdate::text,
      'gender', a.gender,
      'sessionsValidAfterMs', floor(extract(epoch from a.sessions_valid_after) * 1000)::float8)
    from idp.account a where a.id = ${idExpression} and a.disabled_at is null)`;
}

const FOR_CLAIMS = statement('idp.account.for-claims', `select ${accountClaimsJson('$1::uuid')} as account`);

/** What a password check needs of an account. */
export interface SignInRow {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly passwordHash: string;
}

/** What the provider needs of an account: its claims and when its sessions stopped counting. */
export interface ClaimsRow {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly givenName: string;
  readonly familyName: string;
  /** `YYYY-MM-DD`. */
  readonly birthdate: string;
  readonly gender: Gender | null;
  /** `sessionsValidAfter` in epoch milliseconds, truncated as a `Date` would hold it. */
  readonly sessionsValidAfterMs: number;
}

/** The account with this normalised address, with its password hash, or `undefined`. */
export async function accountForSignIn(db: Database, email: string): Promise<SignInRow | undefined> {
  const [row] = await query<{ id: string; email: string; email_verified: boolean; password_hash: string }>(
    db,
    FOR_SIGN_IN,
    [email],
  );
  return (
    row && {
      id: row.id,
      email: row.email,
      emailVerified: row.email_verified,
      passwordHash: row.password_hash,
    }
  );
}

/** The account with this id, or `undefined` (also for an id that is no UUID). */
export async function accountForClaims(db: Database, id: string): Promise<ClaimsRow | undefined> {
  if (!isId(id)) return undefined;
  const [row] = await query<{ account: ClaimsRow | null }>(db, FOR_CLAIMS, [id]);
  return row?.account ?? undefined;
}
