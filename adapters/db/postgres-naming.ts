import { type Platform, TextType, Type, UnderscoreNamingStrategy } from '@mikro-orm/core';

/**
 * Constraint and index names as PostgreSQL gives them when a migration leaves them out
 * (`account_email_key`, `email_secret_account_id_fkey`): our migrations are plain SQL, so the
 * entities' names must be PostgreSQL's for the ORM's schema diff to find nothing to change
 * (test/adapters/schema-matches-entities.test.ts). Tables and columns stay MikroORM's snake case.
 */
export class PostgresNamingStrategy extends UnderscoreNamingStrategy {
  override indexName(...[table, columns, type]: Parameters<UnderscoreNamingStrategy['indexName']>): string {
    const suffix = POSTGRES_SUFFIXES[type as keyof typeof POSTGRES_SUFFIXES];
    if (!suffix) return super.indexName(table, columns, type);
    const bare = table.includes('.') ? table.slice(table.indexOf('.') + 1) : table;
    return [bare, ...columns.map((c) => c.replaceAll('.', '_')), suffix].join('_');
  }
}

const POSTGRES_SUFFIXES = { foreign: 'fkey', unique: 'key', index: 'idx' } as const;

/**
 * Strings are `text` in every migration (PostgreSQL stores both alike; a length limit, where one
 * matters, is a check of its own), not MikroORM's default `varchar(255)`.
 */
export function mappedType(type: string, platform: Platform): Type<unknown> | undefined {
  if (type === 'string') return Type.getType(TextType);
  return platform.getDefaultMappedType(type);
}
