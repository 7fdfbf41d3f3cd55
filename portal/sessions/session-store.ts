import { createHash } from 'node:crypto';
import type { Database } from '../../adapters/db/database.ts';
import { execute, query, statement } from '../../adapters/db/statements.ts';
import type { Identity, VerifiedIdentity } from '../domain.ts';

/**
 * One organization the signed-in person is an active professional of, as the gate and the pages
 * need it: plain data read on every request, not an entity (the admin pages load those).
 */
export interface Membership {
  /** The professional's id. */
  readonly id: string;
  readonly isAdministrator: boolean;
  readonly organization: {
    readonly id: string;
    readonly name: string;
    /** The organization's policy (J15): its pages need a two-step sign-in. */
    readonly requiresTwoStep: boolean;
  };
}

/**
 * A JSON array of the `Membership`s of the identity in `issuer` and `subject` (SQL expressions),
 * by organization name. Shared by the statement below and the session lookup (LOAD), which reads the
 * session row and its person's memberships in one round trip.
 */
function membershipsJson(issuer: string, subject: string): string {
  return `(select coalesce(json_agg(json_build_object(
      'id', p.id, 'isAdministrator', p.is_administrator,
      'organization', json_build_object('id', o.id, 'name', o.name, 'requiresTwoStep', o.requires_two_step)) order by o.name, o.id), '[]'::json)
    from portal.professional p join portal.organization o on o.id = p.organization_id
    where p.idp_issuer = ${issuer} and p.idp_subject = ${subject} and p.status = 'active')`;
}

const MEMBERSHIPS = statement('portal.memberships', `select ${membershipsJson('$1', '$2')} as memberships`);

/** The organizations in which the identity is an active professional (the membership gate). */
export async function activeMemberships(orm: Database, identity: Identity): Promise<Membership[]> {
  const rows = await query<{ memberships: Membership[] }>(orm, MEMBERSHIPS, [
    identity.issuer,
    identity.subject,
  ]);
  return rows[0]?.memberships ?? [];
}

/** The signed-in person, as the IdP's ID token described them. */
export interface SignedIn extends VerifiedIdentity {
  /** The IdP session (`sid` claim), for back-channel logout. */
  readonly sid?: string;
  /** For RP-initiated logout's `id_token_hint`. */
  readonly idToken: string;
  /** How strong the sign-in was, as the ID token says (OIDC Core §2 `acr`, RFC 8176 `amr`). */
  readonly acr?: string;
  readonly amr?: readonly string[];
  readonly optionId: string;
}

/** A sign-in on its way to the IdP and back (its `state` is the key in `pending`). */
export interface PendingSignIn {
  readonly optionId: string;
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly returnTo: string;
  readonly startedAt: number;
}

/**
 * Where a journey goes on once the person has signed in, and what it keeps meanwhile: server-side
 * only, so nothing of it travels through the IdP, the browser's address bar or a log.
 */
export interface Continuation {
  /** A same-origin path: the route that finishes the journey. */
  readonly path: string;
  /** What that route needs (opaque here), e.g. an invitation token. */
  readonly state: string;
  /** The address to suggest at the IdP (OIDC Core §3.1.2.1 `login_hint`), e.g. the invited one. */
  readonly loginHint?: string;
  readonly createdAt: number;
}

export interface SessionData {
  /** When this session id was issued (ms): the absolute lifetime counts from here. */
  createdAt?: number;
  /** The last request seen (ms): the idle lifetime counts from here. */
  seenAt?: number;
  signedIn?: SignedIn;
  pending?: Record<string, PendingSignIn>;
  continuation?: Continuation;
}

/** A stored session, with the signed-in person's active memberships as of this very read. */
export interface LoadedSession {
  readonly data: SessionData;
  /** Empty when nobody is signed in, or when they belong to no organization. */
  readonly memberships: readonly Membership[];
}

/** Portal sessions in PostgreSQL, keyed by the SHA-256 of the cookie's random id. */
export interface SessionStore {
  load(id: string): Promise<LoadedSession | undefined>;
  save(id: string, data: SessionData, ttlSeconds: number): Promise<void>;
  destroy(id: string): Promise<void>;
  /** Back-channel logout: end the sessions of this IdP session (`sid`) or, without one, of the subject. */
  destroyForLogout(issuer: string, target: { sid?: string; subject?: string }): Promise<number>;
  /** Resolves to how many were deleted. */
  deleteExpired(): Promise<number>;
}

// Every page reads its session and, for a signed-in person, their memberships: one prepared
// statement does both (the row's issuer and subject are those of `data.signedIn`, see SAVE), so a
// professional removed a moment ago is refused on their very next request without a second trip.
const LOAD = statement(
  'portal.session.load',
  `select s.data, ${membershipsJson('s.idp_issuer', 's.idp_subject')} as memberships
   from portal.portal_session s where s.id_hash = $1 and s.expires_at > now()`,
);

const SAVE = statement(
  'portal.session.save',
  `insert into portal.portal_session (id_hash, data, idp_issuer, idp_subject, idp_sid, expires_at)
   values ($1, $2::jsonb, $3, $4, $5, now() + $6::int * interval '1 second')
   on conflict (id_hash) do update set data = excluded.data, idp_issuer = excluded.idp_issuer,
     idp_subject = excluded.idp_subject, idp_sid = excluded.idp_sid, expires_at = excluded.expires_at`,
);

const DESTROY = statement('portal.session.destroy', 'delete from portal.portal_session where id_hash = $1');

const DESTROY_FOR_SID = statement(
  'portal.session.destroy-for-sid',
  'delete from portal.portal_session where idp_issuer = $1 and idp_sid = $2',
);

const DESTROY_FOR_SUBJECT = statement(
  'portal.session.destroy-for-subject',
  'delete from portal.portal_session where idp_issuer = $1 and idp_subject = $2',
);

const DELETE_EXPIRED = statement(
  'portal.session.delete-expired',
  'delete from portal.portal_session where expires_at <= now()',
);

export function createSessionStore(orm: Database): SessionStore {
  const hash = (id: string) => createHash('sha256').update(id).digest('base64url');
  return {
    async load(id) {
      const rows = await query<{ data: SessionData; memberships: Membership[] }>(orm, LOAD, [hash(id)]);
      return rows[0];
    },
    async save(id, data, ttlSeconds) {
      const s = data.signedIn;
      await execute(orm, SAVE, [
        hash(id),
        JSON.stringify(data),
        s?.issuer ?? null,
        s?.subject ?? null,
        s?.sid ?? null,
        ttlSeconds,
      ]);
    },
    async destroy(id) {
      await execute(orm, DESTROY, [hash(id)]);
    },
    async destroyForLogout(issuer, target) {
      if (target.sid) return execute(orm, DESTROY_FOR_SID, [issuer, target.sid]);
      if (target.subject) return execute(orm, DESTROY_FOR_SUBJECT, [issuer, target.subject]);
      return 0;
    },
    deleteExpired() {
      return execute(orm, DELETE_EXPIRED, []);
    },
  };
}
