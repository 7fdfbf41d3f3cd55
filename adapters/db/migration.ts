import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * A committed migration written as plain SQL. Statements are unqualified: the migrator runs them
 * with `search_path` set to the owning service's schema, so one adapter's tables (the mail outbox,
 * say) can be created in each service's schema by the same migration.
 */
export function sqlMigration(name: string, statements: readonly string[]): MigrationObject {
  class SqlMigration extends Migration {
    override name = name;
    override async up(): Promise<void> {
      for (const statement of statements) this.addSql(statement);
    }
  }
  return { name, class: SqlMigration };
}
