import { defineEntity, type Opt, p } from '@mikro-orm/core';

/** The choices of the sign-up form's optional gender field. */
export const GENDERS = ['female', 'male', 'other'] as const;
export type Gender = (typeof GENDERS)[number];

/** A person's login at the IdP: the "Microsoft account" of the guide. */
const AccountSchema = defineEntity({
  name: 'Account',
  properties: {
    id: p.uuid().primary(),
    /** Normalised (NFKC, trimmed, lower case); unique. */
    email: p.string(),
    emailVerified: p.boolean().default(false),
    givenName: p.string(),
    familyName: p.string(),
    /** ISO date, `YYYY-MM-DD` (OIDC Core §5.1 `birthdate`). */
    birthdate: p.string().columnType('date'),
    /** OIDC Core §5.1 `gender`; optional in the sign-up form. */
    gender: p.enum(GENDERS).nullable(),
    passwordHash: p.string().lazy(),
    termsAcceptedAt: p.datetime(),
    /** Sessions and tokens issued before this instant are no longer honoured. */
    sessionsValidAfter: p.datetime(),
    /**
     * Set when an operator disabled the account (`account disable`): it signs nobody in and backs
     * no token, and keeps its address taken. The first disabling's instant is kept.
     */
    disabledAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  // As migration 0001 made them: one account per address, stored normalised.
  uniques: [{ name: 'account_email_key', properties: ['email'] }],
  checks: [{ name: 'account_email_normalised', expression: 'email = lower(email)' }],
});

export class Account extends AccountSchema.class {
  /** The OIDC `name` claim. Computed, so `em.create` does not ask for it (`Opt`). */
  get name(): Opt<string> {
    return `${this.givenName} ${this.familyName}` as Opt<string>;
  }
}
AccountSchema.setClass(Account);

export { AccountSchema };

/** A one-time secret sent by e-mail: the 6-digit verification code, or a password-reset link. */
const EmailSecretSchema = defineEntity({
  name: 'EmailSecret',
  properties: {
    id: p.uuid().primary(),
    account: () => p.manyToOne(Account).deleteRule('cascade'),
    purpose: p.enum(['verify-email', 'reset-password'] as const),
    /** SHA-256 of the secret: a database leak does not leak usable codes. */
    secretHash: p.string(),
    attempts: p.integer().default(0),
    expiresAt: p.datetime(),
    consumedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ name: 'email_secret_account_idx', properties: ['account', 'purpose'] }],
  // Reset tokens are 256-bit and found by hash; 6-digit codes may repeat across accounts.
  uniques: [
    { name: 'email_secret_reset_hash_key', properties: ['secretHash'], where: "purpose = 'reset-password'" },
  ],
});
export class EmailSecret extends EmailSecretSchema.class {}
EmailSecretSchema.setClass(EmailSecret);

export { EmailSecretSchema };
