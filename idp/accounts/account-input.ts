import { z } from 'zod';
import { GENDERS } from './account.entity.ts';
import { emailProblem, normaliseEmailOrUndefined } from './email-address.ts';

// The fields the sign-up and account forms share, as the forms post them (text), checked field
// by field so each problem is shown next to its field. Unknown keys are dropped.

/** Youngest age that may hold an account on its own (COPPA sets 13 in the US). */
const MINIMUM_AGE = 13;
const NAME_MAX = 100;
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const CHOOSE_GENDER = 'Choose one of the options.';

/** The profile fields: given and family name, birth date, optional gender. */
export function profileFields(now: Date) {
  return {
    givenName: name('first name'),
    familyName: name('last name'),
    birthdate: z.string({ error: 'Enter your birth date.' }).superRefine((value, ctx) => {
      const problem = birthdateProblem(value, now);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    // A form's empty choice means "not given".
    gender: z
      .string({ error: CHOOSE_GENDER })
      .nullish()
      .transform((value) => value || undefined)
      .pipe(z.enum(GENDERS, { error: CHOOSE_GENDER }).optional()),
  };
}

/** A normalised e-mail address field (see `normaliseEmail`). */
export const emailField = z.string({ error: 'Enter your e-mail address.' }).transform((raw, ctx) => {
  const problem = emailProblem(raw);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
  return normaliseEmailOrUndefined(raw) ?? '';
});

/** A password field before the policy check: present, and not absurdly long to hash. */
export const passwordField = z
  .string({ error: 'Enter a password.' })
  .min(1, 'Enter a password.')
  .max(4096, 'Use at most 128 characters.');

function name(label: string) {
  return z
    .string({ error: `Enter your ${label}.` })
    .transform((value) => value.normalize('NFC').trim())
    .refine((value) => value.length > 0, `Enter your ${label}.`)
    .refine((value) => [...value].length <= NAME_MAX, `Use at most ${NAME_MAX} characters.`)
    .refine((value) => !CONTROL.test(value), 'Use letters, spaces and punctuation only.');
}

/** Why a `YYYY-MM-DD` birth date is refused: not a real date, in the future, too old, too young. */
function birthdateProblem(value: string, now: Date): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return 'Enter your birth date as YYYY-MM-DD.';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2023-02-30 over to March: a real date comes back unchanged.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return 'Enter a date that exists.';
  }
  if (year < 1900) return 'Enter a birth date after 1900.';
  if (date.getTime() > now.getTime()) return 'Your birth date cannot be in the future.';
  const birthday = Date.UTC(year + MINIMUM_AGE, month - 1, day);
  if (birthday > now.getTime()) return `You must be at least ${MINIMUM_AGE} years old to create an account.`;
  return undefined;
}
