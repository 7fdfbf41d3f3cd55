import { readdirSync } from 'node:fs';
import { Eta } from 'eta';
import type { ParameterizedContext } from 'koa';
import type { CsrfState } from './csrf.ts';

/** What a page reads from `ctx.state`: the CSRF token and, at the portal, the signed-in person. */
type PageState = CsrfState & { me?: unknown };

/** Renders a service's templates with auto-escaping; `<%= %>` escapes, `<%~ %>` is for trusted HTML only. */
export interface Views {
  render(
    ctx: ParameterizedContext<PageState>,
    template: string,
    data?: Record<string, unknown>,
    status?: number,
  ): Promise<void>;
}

/**
 * Server-rendered pages from one folder of Eta templates. Every page receives the service's
 * globals (product name…), the CSRF token and the signed-in person, if any, from `ctx.state`.
 * Every template is compiled once, when the service starts (a broken one fails the start, not a
 * request), and rendered synchronously: none of them awaits anything.
 */
export function createViews(dir: string, globals: Record<string, unknown>): Views {
  const eta = new Eta({ views: dir, autoEscape: true, cache: true, autoTrim: false });
  // Eta resolves a template's name to its file on every render (path joins and a containment
  // check, for the page and again for its layout). Names come from our code, never from a
  // request, so each (name, including template) pair is resolved once.
  const resolve = eta.resolvePath;
  const resolved = new Map<string, string>();
  eta.resolvePath = function (template, options) {
    const key = `${options?.filepath ?? ''}\0${template}`;
    let path = resolved.get(key);
    if (path === undefined) {
      path = resolve.call(this, template, options);
      resolved.set(key, path);
    }
    return path;
  };
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.eta')) continue;
    const path = eta.resolvePath(file, {});
    eta.templatesSync.define(path, eta.compile(eta.readFile(path), { async: false, filepath: path }));
  }
  return {
    async render(ctx, template, data = {}, status = 200) {
      const html = eta.render(template, {
        ...globals,
        csrfToken: ctx.state.csrfToken?.(),
        me: ctx.state.me,
        ...data,
      });
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = html;
    },
  };
}
