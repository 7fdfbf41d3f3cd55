import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * Issue 13: administration pages for organizations of thousands of professionals.
 *
 * - The professionals list pages by keyset (`professional-list.ts`): one B-tree index per sort
 *   order, each leading with the organization, so the first page (and every next one) reads its
 *   51 rows off the index instead of sorting the organization's professionals.
 * - Search matches any part of the name or e-mail (`ILIKE '%…%'`): a trigram GIN index
 *   (`pg_trgm`, a trusted extension shipped with PostgreSQL) serves it. The operator class is
 *   named with the schema the extension lives in, which is the portal's when this migration
 *   creates it, or wherever an operator installed it before.
 * - An import's parsed rows wait in `professional_import` between the preview and **Import**,
 *   tied to the browser session and the organization, for 30 minutes at most.
 */
export const professionalSearch = sqlMigration('0008-professional-search', [
  `create extension if not exists pg_trgm`,
  `create index professional_name_idx on professional
     (organization_id, lower(family_name), lower(given_name), id)`,
  `create index professional_status_idx on professional
     (organization_id, status, lower(family_name), lower(given_name), id)`,
  `create index professional_last_sign_in_idx on professional
     (organization_id, (coalesce(last_sign_in_at, '-infinity'::timestamptz)), id)`,
  `do $$
   declare trgm text;
   begin
     select n.nspname into trgm from pg_extension e join pg_namespace n on n.oid = e.extnamespace
       where e.extname = 'pg_trgm';
     execute format(
       'create index professional_search_idx on professional using gin '
       '(((given_name || '' '' || family_name || '' '' || email)) %I.gin_trgm_ops)', trgm);
   end $$`,
  `create table professional_import (
    id uuid primary key,
    organization_id uuid not null references organization (id) on delete cascade,
    session_hash text not null,
    file_name text not null,
    rows jsonb not null,
    created_at timestamptz not null,
    expires_at timestamptz not null
  )`,
  `create index professional_import_expires_idx on professional_import (expires_at)`,
]);
