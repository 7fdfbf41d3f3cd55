import type { SchemaModule } from '../adapters/db/database.ts';
import { OutboxMailSchema } from '../adapters/mail/outbox.ts';
import { AccountSchema, EmailSecretSchema } from './accounts/account.entity.ts';
import { idpMigrations } from './migrations/index.ts';

/** The IdP's tables, in the `idp` schema. */
export const idpSchema: SchemaModule = {
  schema: 'idp',
  entities: [AccountSchema, EmailSecretSchema, OutboxMailSchema],
  migrations: idpMigrations,
};
