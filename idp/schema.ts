import type { SchemaModule } from '../adapters/db/database.ts';
import { OutboxMailSchema } from '../adapters/mail/outbox.ts';
import { AccountSchema, EmailSecretSchema } from './accounts/account.entity.ts';
import { idpMigrations } from './migrations/index.ts';
import {
  AuthenticatorAppSchema,
  PasskeyChallengeSchema,
  PasskeySchema,
  RecoveryCodeSchema,
} from './second-factors/second-factor.entity.ts';

/** The IdP's tables, in the `idp` schema. */
export const idpSchema: SchemaModule = {
  schema: 'idp',
  entities: [
    AccountSchema,
    EmailSecretSchema,
    OutboxMailSchema,
    PasskeySchema,
    AuthenticatorAppSchema,
    RecoveryCodeSchema,
    PasskeyChallengeSchema,
  ],
  migrations: idpMigrations,
  unmappedTables: {
    oidc_payload: "oidc-provider's models, stored as its adapter contract asks (idp/storage/)",
    rate_limit: "rate-limiter-flexible's rows, laid out by the library (idp/rate-limits/rate-limit-table.ts)",
    backchannel_logout: 'a delivery queue read with FOR UPDATE SKIP LOCKED (idp/logout/)',
    mail_cooldown: 'one atomic insert-if-absent per mail request (idp/accounts/mail-cooldown.ts)',
    signing_key: 'JWKs the provider loads whole, under an advisory lock (idp/keys/signing-keys.ts)',
    server_secret: 'generated once, read at start-up (adapters/db/server-secrets.ts)',
  },
};
