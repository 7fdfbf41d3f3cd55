import { createHash } from 'node:crypto';
import type { Database } from '../../adapters/db/database.ts';
import type { VerifiedIdentity } from '../domain.ts';

/** The signed-in person, as the IdP's ID token described them. */
export interface SignedIn extends VerifiedIdentity {
  /** The IdP session (`sid` claim), for back-channel logout. */
  readonly sid?: string;
  /** For RP-initiated logout's `id_token_hint`. */
  readonly idToken: string;
  readonly optionId: string;
}

/** A sign-in on its way to the IdP and back (its `state` is the key in `pending`). */
export interface PendingSignIn {
  readonly optionId: string;
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly returnTo: string;
  readonly invitationToken?: string;
  readonly startedAt: number;
}

export interface SessionData {
  /** When this session id was issued (ms): the absolute lifetime counts from here. */
  createdAt?: number;
  /** The last request seen (ms): the idle lifetime counts from here. */
  seenAt?: number;
  signedIn?: SignedIn;
  pending?: Record<string, PendingSignIn>;
}

/** Portal sessions in PostgreSQL, keyed by the SHA-256 of the cookie's random id. */
export interface SessionStore {
  load(id: string): Promise<SessionData | undefined>;
  save(id: string, data: SessionData, ttlSeconds: number): Promise<void>;
  destroy(id: string): Promise<void>;
  /** Back-channel logout: end the sessions of this IdP session (`sid`) or, without one, of the subject. */
  destroyForLogout(issuer: string, target: { sid?: string; subject?: string }): Promise<number>;
  deleteExpired(): Promise<void>;
}

export function createSessionStore(orm: Database): SessionStore {
  const conn = () => orm.em.getConnection();
  const hash = (id: string) => createHash('sha256').update(id).digest('base64url');
  return {
    async load(id) {
      const rows = await conn().execute<{ data: SessionData }[]>(
        'select data from portal.portal_session where id_hash = ? and expires_at > now()',
        [hash(id)],
      );
      return rows[0]?.data;
    },
    async save(id, data, ttlSeconds) {
      const s = data.signedIn;
      await conn().execute(
        `insert into portal.portal_session (id_hash, data, idp_issuer, idp_subject, idp_sid, expires_at)
         values (?, ?::jsonb, ?, ?, ?, now() + make_interval(secs => ?))
         on conflict (id_hash) do update set data = excluded.data, idp_issuer = excluded.idp_issuer,
           idp_subject = excluded.idp_subject, idp_sid = excluded.idp_sid, expires_at = excluded.expires_at`,
        [hash(id), JSON.stringify(data), s?.issuer ?? null, s?.subject ?? null, s?.sid ?? null, ttlSeconds],
      );
    },
    async destroy(id) {
      await conn().execute('delete from portal.portal_session where id_hash = ?', [hash(id)]);
    },
    async destroyForLogout(issuer, target) {
      const [column, value] = target.sid ? ['idp_sid', target.sid] : ['idp_subject', target.subject];
      if (!value) return 0;
      const rows = await conn().execute<{ id_hash: string }[]>(
        `delete from portal.portal_session where idp_issuer = ? and ${column} = ? returning id_hash`,
        [issuer, value],
      );
      return rows.length;
    },
    async deleteExpired() {
      await conn().execute('delete from portal.portal_session where expires_at <= now()');
    },
  };
}
