import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Files (relative to the repository) and their relative imports, resolved to files. */
export interface ImportGraph {
  readonly files: readonly string[];
  readonly edges: readonly (readonly [string, string])[];
  /** `file -> specifier` for relative imports that name no file. */
  readonly unresolved: readonly string[];
}

// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`; Biome formats every
// import this way, so a statement is never split inside its specifier.
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*'([^']+)'|(?:^|\n)\s*import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;

/** The TypeScript files under `roots` (folders or files) and their relative imports. */
export function readImportGraph(roots: readonly string[]): ImportGraph {
  const files = roots.flatMap((root) => typeScriptFiles(join(ROOT, root))).map((f) => relative(ROOT, f));
  const edges: [string, string][] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (!specifier.startsWith('.')) continue;
      const target = normalize(join(dirname(file), specifier));
      if (existsSync(join(ROOT, target))) edges.push([file, target]);
      else unresolved.push(`${file} -> ${specifier}`);
    }
  }
  return { files, edges, unresolved };
}

/** Every cycle of file imports, each as the path that closes it (first file repeated at the end). */
export function importCycles(graph: ImportGraph): string[][] {
  return cyclesOf(adjacency(graph.edges));
}

/**
 * The capability folder of `file` under `service` (`portal/sessions` for
 * `portal/sessions/sessions.ts`); undefined for the service's own top-level files.
 */
export function capabilityOf(file: string, service: string): string | undefined {
  if (!file.startsWith(service)) return undefined;
  const rest = file.slice(service.length).split('/');
  return rest.length > 1 ? service + rest[0] : undefined;
}

/** Cycles among the capability folders of one service (top-level files of the service aside). */
export function folderCycles(graph: ImportGraph, service: string): string[][] {
  const folderEdges: [string, string][] = [];
  for (const [from, to] of graph.edges) {
    const a = capabilityOf(from, service);
    const b = capabilityOf(to, service);
    if (a && b && a !== b) folderEdges.push([a, b]);
  }
  return cyclesOf(adjacency(folderEdges));
}

function adjacency(edges: readonly (readonly [string, string])[]): Map<string, Set<string>> {
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) {
    if (!next.has(a)) next.set(a, new Set());
    next.get(a)!.add(b);
  }
  return next;
}

/** One closing path per back edge of a depth-first search, in a stable order. */
function cyclesOf(next: Map<string, Set<string>>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const to of [...(next.get(node) ?? [])].sort()) {
      if (state.get(to) === 'open') cycles.push([...path.slice(path.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...next.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function typeScriptFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(path).flatMap((name) => typeScriptFiles(join(path, name)));
}
