import { sqlMigration } from '../../adapters/db/migration.ts';

/**
 * Back-channel logout deliveries, written in the transaction that ends the sign-ins and sent by
 * every instance (`FOR UPDATE SKIP LOCKED`) until the app answers or the delivery is given up;
 * and accounts an operator disabled, which sign nobody in and back no token.
 */
export const backchannelLogouts = sqlMigration('0007-backchannel-logouts', [
  `create table backchannel_logout (
     id bigserial primary key,
     client_id text not null,
     sub text not null,
     sid text,
     attempts int not null default 0,
     next_attempt_at timestamptz not null default now(),
     created_at timestamptz not null default now(),
     last_error text
   )`,
  `create index backchannel_logout_due_idx on backchannel_logout (next_attempt_at)`,
  `alter table account add column disabled_at timestamptz`,
]);
