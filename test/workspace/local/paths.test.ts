import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatTableName,
  formatVolumePath,
  parseTableName,
  parseVolumePath,
  tableNameToLocal,
  volumePathToLocal,
} from '../../../src/workspace/local/paths.js';

describe('parseVolumePath', () => {
  it('splits catalog, schema, volume and the rest, ignoring a trailing slash', () => {
    expect(parseVolumePath('/Volumes/main/iris/raw/a/b.csv')).toEqual({ catalog: 'main', schema: 'iris', volume: 'raw', rest: ['a', 'b.csv'] });
    expect(parseVolumePath('/Volumes/main/iris/raw/')).toEqual({ catalog: 'main', schema: 'iris', volume: 'raw', rest: [] });
    expect(formatVolumePath(parseVolumePath('/Volumes/main/iris/raw/a/'))).toBe('/Volumes/main/iris/raw/a');
  });

  it.each([
    ['/volumes/c/s/v/x', /does not start with \/Volumes\//],
    ['/Volumes/c/s', /does not name a volume/],
    ['/Volumes/c/s/v/../x', /"\.\." segment/],
    ['/Volumes/c/s/./v', /"\." segment/],
    ['/Volumes/c//s/v', /empty segment/],
    ['/Volumes/c/s/v/a\\..\\b', /backslash/],
  ])('rejects %s', (bad, reason) => {
    expect(() => parseVolumePath(bad)).toThrow(reason);
  });

  it('maps onto <root>/Volumes', () => {
    expect(volumePathToLocal('/r', '/Volumes/c/s/v/x.txt')).toBe(path.join('/r', 'Volumes', 'c', 's', 'v', 'x.txt'));
  });
});

describe('parseTableName', () => {
  it('lower-cases the three parts, as Unity Catalog does', () => {
    expect(parseTableName('Main.Iris_ML.predictions-v2')).toEqual({ catalog: 'main', schema: 'iris_ml', table: 'predictions-v2' });
    expect(formatTableName(parseTableName('A.B.C'))).toBe('a.b.c');
    expect(tableNameToLocal('/r', 'a.b.c')).toBe(path.join('/r', 'tables', 'a', 'b', 'c'));
  });

  it.each([['a.b'], ['a.b.c.d'], ['a..c'], ['a.b.c/d'], ['a.b.`c`'], ['a.b. c']])('rejects %s with INVALID_ARGUMENT naming it', (bad) => {
    expect(() => parseTableName(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(JSON.stringify(bad)) }));
  });
});
