import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter } from '../../adapters/http/control-characters.ts';
import { AppError } from '../../adapters/http/errors.ts';
import { passkeyRefused } from './second-factor-errors.ts';

const NAME_MAX = 60;

/** A passkey's name as the person typed it: trimmed, 1 to 60 characters, one line. */
export function passkeyName(input: string): string {
  const name = input.normalize('NFC').trim();
  if (!name) throw badName('Give the passkey a name, like "Work laptop".');
  if (name.length > NAME_MAX) throw badName(`Keep the name to ${NAME_MAX} characters.`);
  if (hasControlCharacter(name)) throw badName(CONTROL_CHARACTER_MESSAGE);
  return name;
}

/**
 * The browser's WebAuthn response, as `@simplewebauthn/browser` serialises it: JSON with a
 * string `id` and an object `response`. Anything else is refused before any check or change.
 */
export function webAuthnResponse<T>(input: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (cause) {
    throw passkeyRefused(cause);
  }
  const value = parsed as { id?: unknown; response?: unknown; type?: unknown } | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.id !== 'string' ||
    value.id.length > 1400 ||
    typeof value.response !== 'object' ||
    value.response === null ||
    value.type !== 'public-key'
  )
    throw passkeyRefused();
  return parsed as T;
}

// The one field's problem is the message: the rename form on the account page has no room for
// field errors, so the error page says it.
function badName(message: string): AppError<'INVALID_INPUT'> {
  return new AppError('INVALID_INPUT', 400, message, { fields: { name: message } });
}
