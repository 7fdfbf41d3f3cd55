import type { EntitySchema, MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { mappedType, PostgresNamingStrategy } from './postgres-naming.ts';
import { executeIn, statement } from './statements.ts';

/** What one service brings to the shared database: its schema, entities and committed migrations. */
export interface SchemaModule {
  readonly schema: string;
  // biome-ignore lint/suspicious/noExplicitAny: MikroORM's schemas are generic over their entity
  readonly entities: readonly EntitySchema<any, any>[];
  readonly migrations: readonly MigrationObject[];
  /**
   * The service's tables no entity maps, each with why: its own SQL reads and writes them. The
   * ORM's schema diff leaves them alone (test/adapters/schema-matches-entities.test.ts).
   */
  readonly unmappedTables: Readonly<Record<string, string>>;
}

export interface DatabaseOptions {
  readonly url: string;
  readonly poolMax?: number;
  readonly debug?: boolean;
}

export type Database = MikroORM;

/**
 * Open a MikroORM instance for one service's schema and apply its pending migrations.
 * Each service owns one PostgreSQL schema (`idp`, `portal`); the migrations table lives in it.
 */
export async function openDatabase(module: SchemaModule, options: DatabaseOptions): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: options.url,
    entities: [...module.entities],
    schema: module.schema,
    extensions: [Migrator],
    pool: { min: 0, max: options.poolMax ?? 10 },
    debug: options.debug ?? false,
    allowGlobalContext: false,
    namingStrategy: PostgresNamingStrategy,
    discovery: { getMappedType: mappedType },
    schemaGenerator: { skipTables: Object.keys(module.unmappedTables) },
    migrations: {
      migrationsList: [...module.migrations],
      tableName: 'schema_migrations',
      schema: module.schema,
      snapshot: false,
      silent: true,
    },
  });
  await migrate(orm, module.schema);
  return orm;
}

/**
 * Apply pending migrations in a transaction holding an advisory lock, so instances that start
 * together wait for each other instead of racing on the same DDL. The schema and the migrations
 * table are created first and committed: the migrator looks for its table outside the transaction.
 */
async function migrate(orm: MikroORM, schema: string): Promise<void> {
  const sql = migrationStatements(schema);
  await orm.em.fork().transactional(async (tx) => {
    await executeIn(tx, sql.lock, []);
    await executeIn(tx, sql.createSchema, []);
    await executeIn(tx, sql.createMigrationsTable, []);
  });
  await orm.em.fork().transactional(async (tx) => {
    await executeIn(tx, sql.lock, []);
    await orm.migrator.up({ transaction: tx.getTransactionContext() });
  });
}

/** The start-up statements of one service's schema, named after it. */
function migrationStatements(schema: string) {
  return {
    lock: statement(
      `${schema}.migrate.lock`,
      `select pg_advisory_xact_lock(hashtext('gatehouse:migrate:${schema}'))`,
    ),
    createSchema: statement(`${schema}.migrate.create-schema`, `create schema if not exists "${schema}"`),
    createMigrationsTable: statement(
      `${schema}.migrate.create-migrations-table`,
      `create table if not exists "${schema}".schema_migrations
         (id serial primary key, name varchar(255), executed_at timestamptz default current_timestamp)`,
    ),
  };
}
