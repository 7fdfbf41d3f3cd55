import type { Database } from '../../adapters/db/database.ts';
import { execute, statement } from '../../adapters/db/statements.ts';

const GIVEN = ['Ann', 'Bea', 'Carl', 'Dora', 'Emil', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jill', 'Kai', 'Lena'];
const FAMILY = ['Adler', 'Brandt', 'Costa', 'Dahl', 'Eriksen', 'Fischer', 'Garcia', 'Haas', 'Ito', 'Jansen'];

// Names from the two lists with a number, e-mails numbered: every third professional is active
// (bound, with a last sign-in), every third invited, the others not invited yet.
const SEED_PROFESSIONALS = statement(
  'bench.seed-professionals',
  `insert into portal.professional
     (id, organization_id, given_name, family_name, email, is_administrator, status,
      idp_issuer, idp_subject, last_sign_in_at, created_at, updated_at)
   select gen_random_uuid(), $1::uuid,
     ($3::text[])[1 + i % cardinality($3::text[])],
     ($4::text[])[1 + (i / 7) % cardinality($4::text[])] || ' ' || lpad(i::text, 5, '0'),
     'person' || i || '@' || $5::text, false,
     case i % 3 when 0 then 'active' when 1 then 'invited' else 'not_invited' end,
     case when i % 3 = 0 then 'https://seed.invalid' end,
     case when i % 3 = 0 then 'seed-' || $1::text || '-' || i end,
     case when i % 3 = 0 then now() - make_interval(mins => i) end,
     now(), now()
   from generate_series(1, $2::int) as i`,
);
const ANALYZE = statement('bench.analyze-professionals', 'analyze portal.professional');

/**
 * Add `count` professionals to an organization in one statement (a large organization for the
 * list's bench scenario and tests), then refresh the planner's statistics as autovacuum would.
 */
export async function seedProfessionals(
  orm: Database,
  organizationId: string,
  count: number,
  domain = 'large.example',
): Promise<void> {
  await execute(orm, SEED_PROFESSIONALS, [organizationId, count, GIVEN, FAMILY, domain]);
  await execute(orm, ANALYZE, []);
}
