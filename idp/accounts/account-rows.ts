import type { Database } from '../../adapters/db/database.ts';
import { query, statement } from '../../adapters/db/statements.ts';
import type { Gender } from './account.entity.ts';
import { isAccountId } from './profile.ts';

// Every sign-in reads its account three times (password check, resume, token endpoint), every
// userinfo and refresh once: these reads are prepared statements on the ORM's pool, with no
// entity hydrated. They are not cached between requests: a deleted account, or one whose sessions
// were ended, is refused on the very next request. Dates come back as text (the ORM's type
// parsers), so the statements say what shape they want.

const FOR_SIGN_IN = statement(
  'idp.account.for-sign-in',
  'select id, email, email_verified, password_hash from idp.account where email = $1',
);

const FOR_CLAIMS = statement(
  'idp.account.for-claims',
  `select id, email, email_verified, given_name, family_name, birthdate::text as birthdate, gender,
          floor(extract(epoch from sessions_valid_after) * 1000)::float8 as sessions_valid_after_ms
     from idp.account where id = $1`,
);

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
  if (!isAccountId(id)) return undefined;
  const [row] = await query<{
    id: string;
    email: string;
    email_verified: boolean;
    given_name: string;
    family_name: string;
    birthdate: string;
    gender: Gender | null;
    sessions_valid_after_ms: number;
  }>(db, FOR_CLAIMS, [id]);
  return (
    row && {
      id: row.id,
      email: row.email,
      emailVerified: row.email_verified,
      givenName: row.given_name,
      familyName: row.family_name,
      birthdate: row.birthdate,
      gender: row.gender,
      sessionsValidAfterMs: row.sessions_valid_after_ms,
    }
  );
}
