import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Middleware } from 'koa';

const require = createRequire(import.meta.url);

/** A static file served as it is: its bytes and content type. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly type: string;
}

/** The stylesheets both services serve: Pico's classless base and our few rules. Read once. */
const shared: Record<string, StaticAsset> = {
  '/assets/pico.css': {
    body: readFileSync(require.resolve('@picocss/pico/css/pico.classless.min.css')),
    type: 'text/css',
  },
  '/assets/app.css': { body: readFileSync(new URL('./app.css', import.meta.url)), type: 'text/css' },
  '/assets/menu.js': {
    body: readFileSync(new URL('./menu.js', import.meta.url)),
    type: 'application/javascript',
  },
};

/** Serves the static assets, and a service's own (`extra`, by path), with a long cache lifetime. */
export function assets(extra: Readonly<Record<string, StaticAsset>> = {}): Middleware {
  const files: Record<string, StaticAsset> = { ...shared, ...extra };
  return async (ctx, next) => {
    const file = ctx.method === 'GET' && Object.hasOwn(files, ctx.path) ? files[ctx.path] : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  };
}
