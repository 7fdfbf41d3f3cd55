import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * Server-side sessions: the cookie holds a random id, the row is keyed by its SHA-256 (a database
 * leak yields no usable cookie). Issuer, subject and the IdP's `sid` are lifted out of the data so
 * back-channel logout can find the sessions to end.
 */
export const portalSessions = sqlMigration('0002-portal-sessions', [
  `create table portal_session (
    id_hash text primary key,
    data jsonb not null,
    idp_issuer text,
    idp_subject text,
    idp_sid text,
    expires_at timestamptz not null
  )`,
  `create index portal_session_subject_idx on portal_session (idp_issuer, idp_subject) where idp_subject is not null`,
  `create index portal_session_expires_idx on portal_session (expires_at)`,
]);
