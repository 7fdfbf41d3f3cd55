import { readdirSync } from 'node:fs';
import { Eta } from 'eta';

export interface PrecompiledEtaOptions {
  /** `<%= %>` escapes HTML (pages, HTML mail) or writes the value as it is (plain-text mail). */
  readonly autoEscape: boolean;
  /** The template files of `dir` to compile (default: every `.eta` file). */
  readonly files?: (file: string) => boolean;
}

/**
 * An Eta for the templates of one folder, every one of them compiled now (a broken template fails
 * the service's start, not a request), rendering without touching the disk or repeating a path
 * resolution.
 *
 * Written against eta 4.6.0, it leans on two internals of `Eta#render`, which
 * test/adapters/library-patches.test.ts checks:
 * - `render` calls the instance's `resolvePath(name, options)` on every render (path joins and a
 *   containment check, for the page and again for its layout). Names come from our code, never from
 *   a request, so each (name, including template) pair is resolved once and remembered here.
 * - `render` looks the compiled template up in `templatesSync` under that resolved path (its
 *   `handleCache`), which is where the templates compiled here are put.
 */
export function precompiledEta(dir: string, options: PrecompiledEtaOptions): Eta {
  const eta = new Eta({ views: dir, autoEscape: options.autoEscape, cache: true, autoTrim: false });
  rememberResolvedPaths(eta);
  const wanted = options.files ?? (() => true);
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.eta') || !wanted(file)) continue;
    const path = eta.resolvePath(file, {});
    eta.templatesSync.define(path, eta.compile(eta.readFile(path), { async: false, filepath: path }));
  }
  return eta;
}

function rememberResolvedPaths(eta: Eta): void {
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
}
