import { z } from 'zod';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter } from '../../adapters/http/control-characters.ts';
import { checkbox, parseForm } from '../../adapters/http/forms.ts';

/**
 * A text field, checked before it is trimmed: trimming would silently drop a trailing CR/LF or
 * tab, and the rule is that a value with a control character is refused, not repaired (DESIGN
 * "Security rules": control characters get a clear error and change nothing).
 */
export const formText = () =>
  z
    .string()
    .refine((v) => !hasControlCharacter(v), CONTROL_CHARACTER_MESSAGE)
    .trim();

const optionalText = (max: number) =>
  formText()
    .max(max, `Use at most ${max} characters.`)
    .optional()
    .transform((v) => (v ? v : null));

/** A professional's profile: names, e-mail, and the optional phone and job title. */
export const profileSchema = z.object({
  givenName: formText().min(1, 'Enter the first name.').max(100, 'Use at most 100 characters.'),
  familyName: formText().min(1, 'Enter the last name.').max(100, 'Use at most 100 characters.'),
  email: formText()
    .max(254, 'Use at most 254 characters.')
    .pipe(z.email('Enter a valid e-mail address, like name@example.com.')),
  phone: optionalText(40),
  jobTitle: optionalText(100),
});

export type ProfileInput = z.input<typeof profileSchema>;
export type Profile = z.output<typeof profileSchema>;

/** The role boxes. Administrator is optional; Billing and Shipping Contact are the mandatory roles. */
export const rolesSchema = z.object({
  administrator: checkbox(),
  billingContact: checkbox(),
  shippingContact: checkbox(),
});

export type Roles = Readonly<z.output<typeof rolesSchema>>;

export const NO_ROLES: Roles = Object.freeze({
  administrator: false,
  billingContact: false,
  shippingContact: false,
});

/** Validate a professional's profile; throws `INVALID_INPUT` with a message per bad field. */
export function parseProfile(input: unknown): Profile {
  return parseForm(profileSchema, input);
}

/** Escape LIKE wildcards so an e-mail is compared literally, case-insensitively. */
export function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
