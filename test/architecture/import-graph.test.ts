import { describe, expect, it } from 'vitest';
import { capabilityOf, folderCycles, importCycles, readImportGraph } from '../support/import-graph.ts';

// The layering of docs/architecture.md, checked over the real import graph of the product code
// (type-only imports included: they tie modules together for a reader just the same).
const graph = readImportGraph(['adapters', 'cli', 'config', 'idp', 'portal', 'system', 'main.ts']);

const importsOf = (from: string, to: string) =>
  graph.edges.filter(([a, b]) => a.startsWith(from) && b.startsWith(to)).map(([a, b]) => `${a} -> ${b}`);

describe('the import graph', () => {
  it('is read: every relative import names a file that exists', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.unresolved).toEqual([]);
  });

  it('has no import cycle anywhere', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('the portal and the IdP meet over HTTP only: neither imports the other', () => {
    expect(importsOf('portal/', 'idp/')).toEqual([]);
    expect(importsOf('idp/', 'portal/')).toEqual([]);
  });

  it('the services stand below the wiring: neither imports system/ or cli/', () => {
    for (const service of ['idp/', 'portal/'])
      for (const wiring of ['system/', 'cli/']) expect(importsOf(service, wiring)).toEqual([]);
  });

  it('adapters/ and config/ serve both services and import neither them nor the wiring', () => {
    for (const low of ['adapters/', 'config/'])
      for (const high of ['idp/', 'portal/', 'system/', 'cli/']) expect(importsOf(low, high)).toEqual([]);
  });

  it('capability folders import downwards only: no two folders of a service import each other', () => {
    expect(folderCycles(graph, 'portal/')).toEqual([]);
    expect(folderCycles(graph, 'idp/')).toEqual([]);
  });

  it('finds what these rules forbid (the checks themselves can fail)', () => {
    const planted = {
      files: ['portal/a/x.ts', 'portal/b/y.ts', 'portal/root.ts'],
      edges: [
        ['portal/a/x.ts', 'portal/b/y.ts'],
        ['portal/b/y.ts', 'portal/a/x.ts'],
      ] as [string, string][],
      unresolved: [],
    };
    expect(importCycles(planted)).toEqual([['portal/a/x.ts', 'portal/b/y.ts', 'portal/a/x.ts']]);
    expect(folderCycles(planted, 'portal/')).toEqual([['portal/a', 'portal/b', 'portal/a']]);
    expect(capabilityOf('portal/root.ts', 'portal/')).toBeUndefined();
    expect(capabilityOf('portal/a/deeper/z.ts', 'portal/')).toBe('portal/a');
  });
});
