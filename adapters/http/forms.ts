import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
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
