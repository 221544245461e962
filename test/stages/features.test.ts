import { tableFromArrays, tableFromJSON } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { distinctLabels, toFeatureMatrix, toLabelIndices } from '../../src/stages/features.js';

describe('toFeatureMatrix', () => {
  it('lays named columns out row-major in the order asked for', () => {
    const table = tableFromArrays({ b: Float64Array.from([1, 2]), a: Float64Array.from([10, 20]), extra: Float64Array.from([7, 7]) });
    const { features, rows } = toFeatureMatrix(table, ['a', 'b'], 'test.parquet');
    expect(rows).toBe(2);
    expect(Array.from(features)).toEqual([10, 1, 20, 2]);
  });

  it('accepts integer columns', () => {
    const table = tableFromArrays({ a: Int32Array.from([3, 4]) });
    expect(Array.from(toFeatureMatrix(table, ['a'], 'x').features)).toEqual([3, 4]);
  });

  it('names a missing column, what was expected and what was found', () => {
    const table = tableFromArrays({ a: Float64Array.from([1]) });
    expect(() => toFeatureMatrix(table, ['a', 'b'], 'in.parquet')).toThrow('in.parquet: feature column "b" is missing (expected a, b; found a)');
  });

  it('rejects a string column by name and type', () => {
    const table = tableFromJSON([{ a: 'x' }]);
    expect(() => toFeatureMatrix(table, ['a'], 'in.parquet')).toThrow(/feature column "a" must be numeric, found (Dictionary|Utf8)/);
  });

  it('rejects nulls, counting them', () => {
    const table = tableFromJSON([{ a: 1 }, { a: null }, { a: null }]);
    expect(() => toFeatureMatrix(table, ['a'], 'in.parquet')).toThrow('feature column "a" has 2 null value(s)');
  });
});

describe('labels', () => {
  const table = tableFromJSON([{ s: 'b' }, { s: 'a' }, { s: 'b' }, { s: 'c' }]);

  it('lists distinct labels sorted, independent of row order', () => {
    expect(distinctLabels(table, 's')).toEqual(['a', 'b', 'c']);
  });

  it('maps labels to indices of the given order', () => {
    expect(Array.from(toLabelIndices(table, 's', ['c', 'b', 'a'], 'x'))).toEqual([1, 2, 1, 0]);
  });

  it('names the row of an unknown label', () => {
    expect(() => toLabelIndices(table, 's', ['a', 'b'], 'set')).toThrow('set: row 4 has label "c", not one of a, b');
  });
});
