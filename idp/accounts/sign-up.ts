import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { checkbox, parseForm } from '../../adapters/http/forms.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { Account } from './account.entity.ts';
import { emailField, passwordField, profileFields } from './account-input.ts';
import { alreadyRegisteredMail } from './account-mails.ts';
import { restartMailCooldown, startMailCooldown } from './mail-cooldown.ts';
import { hashPassword, type PasswordPolicy, passwordPolicy } from './password.ts';
import type { Throttle } from './throttle.ts';
import { sendVerificationCode } from './verification.ts';

/** The "Sign up now" form. */
export const signUpForm = (now = new Date()) =>
  z.object({
    email: emailField,
    password: passwordField,
    ...profileFields(now),
    acceptTerms: checkbox().pipe(
      z.literal(true, { error: 'Accept the Services Agreement and privacy statement.' }),
    ),
  });

/** What the "Sign up now" form sends (the Services Agreement box ticked or not), and the limits. */
export type SignUpInput = z.input<ReturnType<typeof signUpForm>> & { readonly throttle?: Throttle };

/**
 * What to show is the same for a new address and for one that already has an account, so the
 * form cannot be used to find out who is registered: the "enter your code" page for `email`.
 */
export interface SignUpResult {
  /** The normalised address the code (or the warning to its owner) was sent to. */
  readonly email: string;
  readonly verificationNeeded: true;
  /**
   * Set only when this call created the account. Server-side only: keep it in the interaction to
   * sign the person in once they enter the code; never show it or let the page differ on it.
   */
  readonly accountId?: string;
  /**
   * Set only when the address already had an account, unverified: the hash of the password chosen
   * here. Server-side only, like `accountId`: keep it in the interaction, and if the person proves
   * the mailbox from there, it replaces the password of whoever signed up first (`verifyEmail`).
   */
  readonly passwordHash?: string;
}

/**
 * Create an unverified account and mail it a 6-digit code, in one transaction (the mail is in the
 * outbox only if the account is committed). Each bad field gives its message in one
 * `AppError('INVALID_INPUT')` and creates nothing. An address that already has an account gets a
 * "someone tried to sign up" mail instead and the account is left unchanged; the caller cannot
 * tell the two apart (ASVS 2.2.1): same result, and the password is hashed in both cases so the
 * time taken is the same. With `throttle`, counts against `signUpByIp` and `mailByAccount`.
 *
 * @example
 *   const { email } = await signUp(em, { ...postedForm(ctx, signUpForm()), throttle });
 *   ctx.redirect(`/verify?email=${encodeURIComponent(email)}`);
 */
export async function signUp(em: EntityManager, input: SignUpInput, now = new Date()): Promise<SignUpResult> {
  if (input.throttle) await input.throttle.limits.signUpByIp.consume(input.throttle.ip);
  const policy = await passwordPolicy();
  const data = parseForm(signUpForm(now), input, (fields) => passwordProblem(policy, fields));
  if (input.throttle) await input.throttle.limits.mailByAccount.consume(data.email);
  const passwordHash = await hashPassword(data.password);
  const result: SignUpResult = { email: data.email, verificationNeeded: true };
  try {
    return await em.transactional(async (tx) => {
      const existing = await tx.findOne(Account, { email: data.email });
      if (existing) {
        await warnOwner(tx, data.email, now);
        return existing.emailVerified ? result : { ...result, passwordHash };
      }
      const account = tx.create(Account, {
        id: randomUUID(),
        email: data.email,
        emailVerified: false,
        givenName: data.givenName,
        familyName: data.familyName,
        birthdate: data.birthdate,
        gender: data.gender ?? null,
        passwordHash,
        termsAcceptedAt: now,
        sessionsValidAfter: now,
        createdAt: now,
        updatedAt: now,
      });
      await sendVerificationCode(tx, account, now);
      return { ...result, accountId: account.id };
    });
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    // A concurrent sign-up took the address between our look-up and our insert.
    await em.transactional((tx) => warnOwner(tx, data.email, now));
    return result;
  }
}

function passwordProblem(
  policy: PasswordPolicy,
  fields: Partial<Record<string, unknown>>,
): Record<string, string> {
  if (typeof fields.password !== 'string' || fields.password === '') return {};
  const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : undefined);
  const problem = policy(fields.password, {
    email: text('email'),
    givenName: text('givenName'),
    familyName: text('familyName'),
  });
  return problem ? { password: problem } : {};
}

// One warning a minute at most, so repeated sign-ups cannot flood the owner's mailbox.
async function warnOwner(em: EntityManager, email: string, now: Date): Promise<void> {
  if ((await startMailCooldown(em, email, 'verify-email', now)) === 0) {
    enqueueMail(em, alreadyRegisteredMail(email));
  } else {
    await restartMailCooldown(em, email, 'verify-email', now);
  }
}
