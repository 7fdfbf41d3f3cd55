import type { SchemaModule } from '../../adapters/db/database.ts';
import { idpSchema } from '../../idp/schema.ts';
import { portalSchema } from '../../portal/schema.ts';

/** Every service's schema, migrated into the template database the tests clone. */
export const schemaModules: readonly SchemaModule[] = [idpSchema, portalSchema];
