import type { ParameterizedContext } from 'koa';
import type { CsrfState } from './csrf.ts';
import { precompiledEta } from './eta-precompiled-templates.ts';

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
 * request; eta-precompiled-templates.ts), and rendered synchronously: none of them awaits anything.
 */
export function createViews(dir: string, globals: Record<string, unknown>): Views {
  const eta = precompiledEta(dir, { autoEscape: true });
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
