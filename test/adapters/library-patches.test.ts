import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Eta } from 'eta';
import { afterEach, describe, expect, it } from 'vitest';
import { precompiledEta } from '../../adapters/http/eta-precompiled-templates.ts';

/**
 * The internals of Eta that adapters/http/eta-precompiled-templates.ts leans on (written against
 * eta 4.6.0). When an upgrade changes one, a test here fails and names it; the pages and mails
 * rendered through it are tested elsewhere (views.test.ts, account-mails.test.ts…).
 */
describe('the Eta internals our precompiled templates lean on (written against eta 4.6.0)', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A folder with a page that uses a layout, and a partial nobody asked to compile. */
  function views(): string {
    dir = mkdtempSync(join(tmpdir(), 'eta-'));
    writeFileSync(join(dir, 'layout.eta'), '<main><%~ it.body %></main>');
    writeFileSync(join(dir, 'page.eta'), "<% layout('./layout') %><p><%= it.name %></p>");
    writeFileSync(join(dir, 'other.text'), 'not a template');
    return dir;
  }

  it('render calls the instance’s resolvePath for the page and again for its layout', () => {
    const eta = new Eta({ views: views(), autoEscape: true, cache: true, autoTrim: false });
    const resolved: string[] = [];
    const resolve = eta.resolvePath;
    expect(typeof resolve).toBe('function');
    eta.resolvePath = function (template, options) {
      resolved.push(template);
      return resolve.call(this, template, options);
    };
    expect(eta.render('page', { name: 'Ada' })).toBe('<main><p>Ada</p></main>');
    expect(resolved).toEqual(['page', './layout']);
  });

  it('render takes a template compiled into templatesSync under its resolved path, without reading the file', () => {
    const eta = new Eta({ views: views(), autoEscape: true, cache: true, autoTrim: false });
    const path = eta.resolvePath('page.eta', {});
    expect(path).toBe(join(dir, 'page.eta'));
    eta.templatesSync.define(path, eta.compile(eta.readFile(path), { async: false, filepath: path }));
    const read = eta.readFile;
    eta.readFile = (file) => {
      if (file === path) throw new Error('read again');
      return read.call(eta, file);
    };
    expect(eta.render('page', { name: 'Ada' })).toBe('<main><p>Ada</p></main>');
  });

  it('so a precompiled Eta renders once its files are gone, escaping or not as asked', () => {
    const escaping = precompiledEta(views(), { autoEscape: true });
    const unescaped = precompiledEta(dir, { autoEscape: false });
    const plain = precompiledEta(dir, { autoEscape: false, files: (file) => file === 'page.eta' });
    rmSync(join(dir, 'page.eta'));
    expect(escaping.render('page', { name: '<Ada & Bob>' })).toBe(
      '<main><p>&lt;Ada &amp; Bob&gt;</p></main>',
    );
    expect(unescaped.render('page', { name: '<Ada & Bob>' })).toBe('<main><p><Ada & Bob></p></main>');
    rmSync(join(dir, 'layout.eta'));
    expect(escaping.render('page', { name: 'Ada' })).toBe('<main><p>Ada</p></main>');
    // `plain` compiled the page only: its layout is read when first used, and is gone now.
    expect(() => plain.render('page', { name: 'Ada' })).toThrow(/Could not find template/);
  });
});
