import { describe, expect, it } from 'vitest';
import { decideReplace, findPlacementConflict, OUTPUT_MARKER, relation, type GuardedPlace, type Place } from '../../../src/stages/score/output-safety.js';

const local = (path: string): Place => ({ kind: 'local', path });
const volume = (path: string): Place => ({ kind: 'volume', path });
const table = (name: string): Place => ({ kind: 'table', name });
const PREDICTION = ['sepal_length', 'prediction', 'probability_setosa', 'model_name', 'model_version', 'scored_at'];

describe('relation', () => {
  it('tells same, inside, contains and apart on path segments, not string prefixes', () => {
    expect(relation(local('/p/data'), local('/p/data/'))).toBe('same');
    expect(relation(local('/p/data/landing'), local('/p/data'))).toBe('inside');
    expect(relation(local('/p'), local('/p/data/landing'))).toBe('contains');
    expect(relation(local('/p/data2'), local('/p/data'))).toBe('apart');
    expect(relation(local('/'), local('/p'))).toBe('contains');
  });

  it('compares volumes with volumes and tables with tables only', () => {
    expect(relation(volume('/Volumes/c/s/v'), volume('/Volumes/c/s/v/ingested'))).toBe('contains');
    expect(relation(volume('/Volumes/c/s/v'), local('/Volumes/c/s/v'))).toBe('apart');
    expect(relation(table('c.s.t'), table('c.s.t'))).toBe('same');
    expect(relation(table('c.s.t'), table('c.s.u'))).toBe('apart');
    expect(relation(table('c.s.t'), local('/c.s.t'))).toBe('apart');
  });
});

describe('findPlacementConflict', () => {
  const guarded: GuardedPlace[] = [
    { place: local('/p/data/landing'), what: 'source_path', rule: 'overlap' },
    { place: local('/p/.mlops'), what: 'the local workspace', rule: 'contain' },
    { place: local('/p'), what: "the config's folder", rule: 'contain' },
  ];

  it('refuses an output that is, contains or lies inside an overlap-guarded place', () => {
    expect(findPlacementConflict(local('/p/data/landing'), guarded)).toMatchObject({ relation: 'same', guarded: { what: 'source_path' } });
    expect(findPlacementConflict(local('/p/data'), guarded)).toMatchObject({ relation: 'contains', guarded: { what: 'source_path' } });
    expect(findPlacementConflict(local('/p/data/landing/out'), guarded)).toMatchObject({ relation: 'inside', guarded: { what: 'source_path' } });
  });

  it('lets an output lie inside a contain-guarded place, never be it or contain it', () => {
    expect(findPlacementConflict(local('/p/predictions'), guarded)).toBeUndefined();
    expect(findPlacementConflict(local('/p/.mlops/Volumes/c/s/v/out'), guarded)).toBeUndefined();
    expect(findPlacementConflict(local('/p/.mlops'), guarded)).toMatchObject({ relation: 'same', guarded: { what: 'the local workspace' } });
    expect(findPlacementConflict(local('/'), guarded)?.relation).toBe('contains');
  });

  it('names the place the output is exactly before one it contains', () => {
    expect(findPlacementConflict(local('/p'), [...guarded].reverse())).toMatchObject({ relation: 'same', guarded: { what: "the config's folder" } });
    expect(findPlacementConflict(local('/p'), guarded)).toMatchObject({ relation: 'same', guarded: { what: "the config's folder" } });
  });
});

describe('decideReplace', () => {
  it('writes where nothing is, and into an empty folder', () => {
    expect(decideReplace({ kind: 'absent' }, 'folder', 'overwrite')).toEqual({ allowed: true });
    expect(decideReplace({ kind: 'folder', entries: [] }, 'folder', 'overwrite')).toEqual({ allowed: true });
    expect(decideReplace({ kind: 'folder', entries: ['.mlops-tmp-out.1234'] }, 'folder', 'overwrite')).toEqual({ allowed: true });
  });

  it('replaces a folder only when it holds our marker', () => {
    expect(decideReplace({ kind: 'folder', entries: ['part-00000-x.snappy.parquet', OUTPUT_MARKER] }, 'folder', 'overwrite')).toEqual({ allowed: true });
    const refused = decideReplace({ kind: 'folder', entries: ['mlops.yml', 'data', '.mlops', 'notes.txt'] }, 'folder', 'overwrite');
    expect(refused).toEqual({ allowed: false, reason: expect.stringContaining('"mlops.yml", "data", ".mlops" and 1 more and no _mlops_output.json') });
  });

  it('appends part files to any folder but never to a file', () => {
    expect(decideReplace({ kind: 'folder', entries: ['someone-elses.parquet'] }, 'folder', 'append')).toEqual({ allowed: true });
    expect(decideReplace({ kind: 'file', columns: PREDICTION }, 'folder', 'append').allowed).toBe(false);
  });

  it('replaces a single file only when it is a Parquet file of predictions', () => {
    expect(decideReplace({ kind: 'file', columns: PREDICTION }, 'file', 'overwrite')).toEqual({ allowed: true });
    expect(decideReplace({ kind: 'file', columns: ['sepal_length', 'species', '_ingested_at'] }, 'file', 'overwrite')).toEqual({
      allowed: false,
      reason: expect.stringContaining('columns (sepal_length, species, _ingested_at) are not those of predictions'),
    });
    expect(decideReplace({ kind: 'file', columns: undefined }, 'file', 'overwrite')).toEqual({ allowed: false, reason: expect.stringContaining('not a Parquet file') });
    expect(decideReplace({ kind: 'folder', entries: [] }, 'file', 'overwrite').allowed).toBe(false);
  });

  it('replaces a table only when it has the prediction columns', () => {
    expect(decideReplace({ kind: 'table', columns: PREDICTION }, 'table', 'overwrite')).toEqual({ allowed: true });
    expect(decideReplace({ kind: 'table', columns: ['id', 'amount'] }, 'table', 'overwrite')).toEqual({ allowed: false, reason: expect.stringContaining('(id, amount)') });
    expect(decideReplace({ kind: 'table', columns: ['id', 'amount'] }, 'table', 'append')).toEqual({ allowed: true });
  });
});
