import { Eta } from 'eta';
import type { Context } from 'koa';

/** Renders a service's templates with auto-escaping; `<%= %>` escapes, `<%~ %>` is for trusted HTML only. */
export interface Views {
  render(ctx: Context, template: string, data?: Record<string, unknown>, status?: number): Promise<void>;
}

/**
 * Server-rendered pages from one folder of Eta templates. Every page receives the service's
 * globals (product name…), the CSRF token and the signed-in person, if any, from `ctx.state`.
 */
export function createViews(dir: string, globals: Record<string, unknown>): Views {
  const eta = new Eta({ views: dir, autoEscape: true, cache: true, autoTrim: false });
  return {
    async render(ctx, template, data = {}, status = 200) {
      const html = await eta.renderAsync(template, {
        ...globals,
        csrfToken: ctx.state.csrfToken,
        me: ctx.state.me,
        ...data,
      });
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = html;
    },
  };
}
