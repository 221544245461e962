import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Every module of a source tree and what it imports (relative imports only), as paths relative to the root. */
export interface ImportGraph {
  modules: string[];
  /** module → imported modules; `typeOnly` marks `import type` / `export type` edges, which vanish at run time. */
  edges: Map<string, { to: string; typeOnly: boolean }[]>;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm;

export function importGraph(root: string): ImportGraph {
  const modules = listTs(root).map((file) => relative(root, file));
  const edges = new Map<string, { to: string; typeOnly: boolean }[]>();
  for (const module of modules) {
    const source = readFileSync(join(root, module), 'utf8');
    const out: { to: string; typeOnly: boolean }[] = [];
    for (const match of source.matchAll(IMPORT)) {
      const target = relative(root, resolve(root, dirname(module), match[3]!)).replace(/\.js$/, '.ts');
      out.push({ to: target, typeOnly: match[2] !== undefined });
    }
    edges.set(module, out);
  }
  return { modules, edges };
}

/** Cycles of modules (each once, as the list of its members) over the edges `keep` accepts. */
export function moduleCycles(graph: ImportGraph, keep: (edge: { typeOnly: boolean }) => boolean): string[][] {
  // Tarjan's strongly connected components: a component of more than one module is a cycle.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (module: string): void => {
    indexOf.set(module, index);
    low.set(module, index++);
    stack.push(module);
    onStack.add(module);
    for (const edge of graph.edges.get(module) ?? []) {
      if (!keep(edge) || !graph.edges.has(edge.to)) continue;
      if (!indexOf.has(edge.to)) {
        visit(edge.to);
        low.set(module, Math.min(low.get(module)!, low.get(edge.to)!));
      } else if (onStack.has(edge.to)) {
        low.set(module, Math.min(low.get(module)!, indexOf.get(edge.to)!));
      }
    }
    if (low.get(module) === indexOf.get(module)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== module);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const module of graph.modules) if (!indexOf.has(module)) visit(module);
  return cycles;
}

/** Edges from modules of folder `from` to modules of folder `to` (top-level folders of the tree). */
export function folderEdges(graph: ImportGraph, from: string, to: string): string[] {
  const found: string[] = [];
  for (const [module, out] of graph.edges) {
    if (!module.startsWith(`${from}/`)) continue;
    for (const edge of out) if (edge.to.startsWith(`${to}/`)) found.push(`${module} → ${edge.to}`);
  }
  return found;
}

function listTs(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return listTs(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
