import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { expect, vi } from 'vitest';
import { type Database, openDatabase } from '../../adapters/db/database.ts';
import {
  createMailDispatcher,
  createSmtpTransport,
  type MailDispatcher,
} from '../../adapters/mail/dispatcher.ts';
import { type Account, EmailSecret } from '../../idp/accounts/account.entity.ts';
import { type SignUpInput, signUp, verifyEmail } from '../../idp/accounts/accounts.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createTestDatabase } from './database.ts';
import { type CapturedMail, type SmtpCapture, startSmtpCapture } from './smtp-capture.ts';

/**
 * The account tests' world: the IdP schema on a fresh database, and its outbox delivered over real
 * SMTP to a capture server whenever a test reads its mail.
 */
export interface AccountsWorld {
  readonly orm: Database;
  /** A new fork, as a route would take one per request. */
  em(): EntityManager;
  /** Deliver the outbox, then every mail `to` has received, oldest first. */
  mailsTo(to: string): Promise<CapturedMail[]>;
  close(): Promise<void>;
}

export async function openAccountsWorld(): Promise<AccountsWorld> {
  const orm = await openDatabase(idpSchema, { url: await createTestDatabase(), poolMax: 4 });
  const smtp: SmtpCapture = await startSmtpCapture();
  let sent = 0;
  const dispatcher: MailDispatcher = createMailDispatcher({
    orm,
    transport: createSmtpTransport(smtp.url),
    from: 'Gatehouse <no-reply@gatehouse.test>',
  });
  return {
    orm,
    em: () => orm.em.fork() as EntityManager,
    mailsTo: async (to) => {
      sent += await dispatcher.drainOnce();
      // The capture parses a mail after SMTP has accepted it: wait until every sent one is in.
      await vi.waitUntil(() => smtp.messages.length >= sent, { timeout: 5_000 });
      return smtp.messages.filter((mail) => mail.to === to);
    },
    close: async () => {
      await smtp.stop();
      await orm.close(true);
    },
  };
}

/** A unique, valid sign-up form; override any field. */
export function signUpForm(overrides: Partial<SignUpInput> = {}): SignUpInput {
  return {
    email: `person.${randomBytes(5).toString('hex')}@example.com`,
    password: 'tangerine-Lantern-42',
    givenName: 'Ada',
    familyName: 'Lovelace',
    birthdate: '1990-12-10',
    gender: 'female',
    acceptTerms: true,
    ...overrides,
  };
}

/** The 6-digit code in a verification mail. */
export function codeIn(mail: CapturedMail | undefined): string {
  const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
  expect(code, 'a 6-digit code in the mail').toBeDefined();
  return code!;
}

/** Sign up and verify with the mailed code: an account that can sign in. */
export async function verifiedAccount(
  world: AccountsWorld,
  overrides: Partial<SignUpInput> = {},
): Promise<{ account: Account; email: string; password: string }> {
  const form = signUpForm(overrides);
  const { email } = await signUp(world.em(), form);
  const code = codeIn((await world.mailsTo(email)).at(-1));
  const account = await verifyEmail(world.em(), { email, code });
  return { account, email, password: form.password };
}

/** The live secrets of one purpose an account holds, newest first. */
export function liveSecrets(world: AccountsWorld, accountId: string, purpose: EmailSecret['purpose']) {
  return world
    .em()
    .find(EmailSecret, { account: accountId, purpose, consumedAt: null }, { orderBy: { createdAt: 'desc' } });
}

/** `now` plus `ms`: tests move time by passing `now` rather than waiting. */
export function later(ms: number, from = new Date()): Date {
  return new Date(from.getTime() + ms);
}
