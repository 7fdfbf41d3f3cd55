import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from './errors.ts';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Parses urlencoded form posts only, with a small size limit: our pages post forms, nothing else.
 * An oversized or malformed body is refused with a clear 413/400 and changes nothing.
 */
export function formBody(): Middleware {
  const parse = bodyParser({
    enableTypes: ['form'],
    formLimit: '32kb',
    encoding: 'utf-8',
    parsedMethods: [...BODY_METHODS],
  });
  return async (ctx, next) => {
    // The parser reads bodies of these methods only; every other request (pages) goes straight on.
    if (!BODY_METHODS.has(ctx.method)) return next();
    try {
      await parse(ctx, async () => {});
    } catch (cause) {
      const status = (cause as { status?: number }).status === 413 ? 413 : 400;
      throw new AppError(
        'BAD_FORM',
        status,
        status === 413 ? 'The form is too large.' : 'The form could not be read.',
        {
          cause,
        },
      );
    }
    await next();
  };
}

/** The posted form as plain strings: repeated or nested fields keep only their first string value. */
export function formFields(ctx: Context): Record<string, string> {
  const body = (ctx.request as { body?: unknown }).body;
  const fields: Record<string, string> = {};
  if (!body || typeof body !== 'object') return fields;
  for (const [key, value] of Object.entries(body)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[key] = first;
  }
  return fields;
}

/**
 * The posted fields `form` names, each as the browser sent it, '' for one it left out (an empty
 * field, an unticked box): the input of the service that parses `form`, and what a refused form
 * is shown again with.
 *
 * @example
 *   const form = postedForm(ctx, signUpForm());
 *   await signUp(em, { ...form, throttle });
 */
export function postedForm<K extends string>(
  ctx: Context,
  form: { shape: Record<K, unknown> },
): Record<K, string> {
  const fields = formFields(ctx);
  const posted = {} as Record<K, string>;
  for (const key of Object.keys(form.shape) as K[]) posted[key] = fields[key] ?? '';
  return posted;
}

/**
 * A checkbox: ticked when the form posts it with the value our boxes send, `yes`; unticked when it
 * is absent (a browser leaves an unticked box out). Code may pass a boolean.
 *
 * @example
 *   z.object({ acceptTerms: checkbox().pipe(z.literal(true, { error: 'Accept the terms.' })) });
 */
export function checkbox() {
  return z
    .union([z.boolean(), z.string()])
    .optional()
    .transform((value) => value === true || value === 'yes');
}

const INVALID_INPUT = 'Some fields need your attention.';

/** Form problems keyed by field name, as one `INVALID_INPUT` error (status 400). */
export function invalidInput(fields: Record<string, string>): AppError<'INVALID_INPUT'> {
  return new AppError('INVALID_INPUT', 400, INVALID_INPUT, { fields });
}

/**
 * Parse `input` with `schema`, or throw one `INVALID_INPUT` error whose `fields` hold the first
 * problem of each field, plus any `extra` problems found by checks zod cannot make (given the
 * parsed data, or the raw input when parsing failed).
 *
 * @example
 *   const data = parseForm(profileForm(now), input);
 */
export function parseForm<T extends z.ZodType>(
  schema: T,
  input: unknown,
  extra: (data: Partial<Record<string, unknown>>) => Record<string, string> = () => ({}),
): z.output<T> {
  const result = schema.safeParse(input);
  const fields: Record<string, string> = {};
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? 'form');
      fields[key] ??= issue.message;
    }
  }
  const raw = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const data = result.success ? (result.data as Record<string, unknown>) : raw;
  for (const [key, message] of Object.entries(extra(data))) {
    fields[key] ??= message;
  }
  if (!result.success || Object.keys(fields).length > 0) throw invalidInput(fields);
  return result.data;
}

/**
 * `schema`'s fields as a form posts them: the text as typed, '' when left out. For a form read
 * before its service checks it with `schema`, so that a refused form shows every field again as
 * it was sent.
 *
 * @example
 *   const form = z.object({ ...asPosted(profileSchema), notify: checkbox() });
 */
export function asPosted<K extends string>(schema: { shape: Record<K, unknown> }): Record<K, PostedText> {
  const fields = {} as Record<K, PostedText>;
  for (const key of Object.keys(schema.shape) as K[]) fields[key] = postedText();
  return fields;
}

const postedText = () =>
  z
    .string()
    .nullish()
    .transform((value) => value ?? '');

type PostedText = ReturnType<typeof postedText>;
