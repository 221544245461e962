import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { folderEdges, importGraph, moduleCycles } from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('import graph of src/', () => {
  const graph = importGraph(SRC);

  it('finds the modules and their imports (the scan itself works)', () => {
    expect(graph.modules).toContain('pipeline/execute-job.ts');
    expect(graph.edges.get('pipeline/execute-job.ts')!.map((e) => e.to)).toContain('stages/registry.ts');
    // A made-up cycle is found, so an empty answer below means something.
    const fake = { modules: ['a.ts', 'b.ts', 'c.ts'], edges: new Map([['a.ts', [{ to: 'b.ts', typeOnly: false }]], ['b.ts', [{ to: 'a.ts', typeOnly: true }]], ['c.ts', []]]) };
    expect(moduleCycles(fake, () => true)).toEqual([['a.ts', 'b.ts']]);
    expect(moduleCycles(fake, (e) => !e.typeOnly)).toEqual([]);
  });

  it('has no import cycle between modules, counting type-only imports', () => {
    expect(moduleCycles(graph, () => true)).toEqual([]);
  });

  it('stages/ never imports pipeline/ (the runner depends on the stages, not the other way round)', () => {
    expect(folderEdges(graph, 'stages', 'pipeline')).toEqual([]);
  });

  it('the runner does not import the run report: the report consumes the job result', () => {
    expect(folderEdges(graph, 'pipeline', 'report')).toEqual([]);
  });
});
