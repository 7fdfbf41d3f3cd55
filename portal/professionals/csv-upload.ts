import type { Context, Middleware } from 'koa';
import { AppError } from '../../adapters/http/errors.ts';
import { MAX_IMPORT_BYTES, tooLarge } from './import-file.ts';

/** The one form of the portal that uploads a file: Import professionals. */
export const IMPORT_UPLOAD_PATH = /^\/accounts\/[^/]+\/professionals\/import$/;

// The multipart envelope around the file: boundaries, headers, the CSRF field.
const ENVELOPE_BYTES = 16 * 1024;

/** An uploaded file, as the import reads it. */
export interface UploadedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const uploads = new WeakMap<Context['request'], UploadedFile>();

/**
 * Reads the `multipart/form-data` body of the import's upload (and of no other path): at most the
 * file limit plus its envelope, refused with 413 past that without reading on. Its text fields
 * become the request body, as `formBody` leaves a urlencoded form's, so the CSRF check that runs
 * next reads `_csrf` from it; the file is kept for `uploadedFile`. Parsed by the platform's own
 * multipart reader (undici's `FormData`, in Node).
 */
export function importUpload(): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !IMPORT_UPLOAD_PATH.test(ctx.path) || !ctx.is('multipart/form-data'))
      return next();
    const declared = Number(ctx.get('content-length'));
    if (declared > MAX_IMPORT_BYTES + ENVELOPE_BYTES) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_IMPORT_BYTES + ENVELOPE_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
    let form: FormData;
    try {
      form = await new Response(Buffer.concat(chunks), {
        headers: { 'content-type': ctx.get('content-type') },
      }).formData();
    } catch (cause) {
      throw new AppError('BAD_FORM', 400, 'The form could not be read.', { cause });
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] ??= value;
      else if (name === 'file' && !uploads.has(ctx.request))
        uploads.set(ctx.request, { name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) });
    }
    (ctx.request as { body?: unknown }).body = fields;
    await next();
  };
}

/** The file the import's form uploaded, if any. */
export function uploadedFile(ctx: Context): UploadedFile | undefined {
  return uploads.get(ctx.request);
}
