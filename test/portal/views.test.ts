import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createViews } from '../../adapters/http/views.ts';

/** The little of a Koa context that rendering reads and writes. */
function fakeContext(state: Record<string, unknown> = {}): Context {
  return { state } as unknown as Context;
}

describe('server-rendered views', () => {
  const dirs: string[] = [];
  const viewsDir = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-views-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('renders a page in its layout with the globals, the CSRF token and the person, escaped', async () => {
    const dir = viewsDir({
      'layout.eta': '<title><%= it.title %> · <%= it.productName %></title><%~ it.body %>',
      'page.eta':
        "<% layout('./layout') %><p><%= it.me.name %> <%= it.csrfToken %></p><%~ include('./part', { x: it.x }) %>",
      'part.eta': '<i><%= it.x %></i>',
    });
    const views = createViews(dir, { productName: 'Portal' });
    const ctx = fakeContext({ csrfToken: () => 'tok', me: { name: '<Eve>' } });
    await views.render(ctx, 'page', { title: 'Hello', x: 'a&b' }, 201);
    expect(ctx.status).toBe(201);
    expect(ctx.type).toBe('html');
    expect(ctx.body).toBe('<title>Hello · Portal</title><p>&lt;Eve&gt; tok</p><i>a&amp;b</i>');
  });

  it('compiles every template when the service starts: a broken one fails the start, not a request', () => {
    const dir = viewsDir({ 'fine.eta': '<p>ok</p>', 'broken.eta': '<% if (it.x) { %>never closed' });
    expect(() => createViews(dir, {})).toThrow(/Bad template syntax/);
  });

  it('reads the templates once: a file changed on disk afterwards is not re-read per request', async () => {
    const dir = viewsDir({ 'page.eta': '<p>first</p>' });
    const views = createViews(dir, {});
    writeFileSync(join(dir, 'page.eta'), '<p>second</p>');
    const ctx = fakeContext();
    await views.render(ctx, 'page');
    expect(ctx.body).toBe('<p>first</p>');
  });

  it('a template outside the views folder is refused', async () => {
    const views = createViews(viewsDir({ 'page.eta': '<p>ok</p>' }), {});
    await expect(views.render(fakeContext(), '../../etc/passwd')).rejects.toThrow(
      /not in the views directory/,
    );
  });
});
