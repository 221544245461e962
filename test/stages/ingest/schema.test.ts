import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import { IRIS_SCHEMA, matchHeader } from '../../../src/stages/ingest/schema.js';

function mismatch(header: string[] | undefined): MlopsError {
  try {
    matchHeader(IRIS_SCHEMA, header, 'landing/x.csv');
  } catch (error) {
    if (error instanceof MlopsError) return error;
    throw error;
  }
  throw new Error('expected a mismatch');
}

describe('IRIS_SCHEMA', () => {
  it('is a value listing the columns, their types and the allowed classes', () => {
    expect(IRIS_SCHEMA.columns.map((column) => `${column.name}:${column.type}`)).toEqual([
      'sepal_length:float64',
      'sepal_width:float64',
      'petal_length:float64',
      'petal_width:float64',
      'species:string',
    ]);
    expect(IRIS_SCHEMA.columns.find((column) => column.name === IRIS_SCHEMA.labelColumn)?.allowed).toEqual(['setosa', 'versicolor', 'virginica']);
  });
});

describe('matchHeader', () => {
  it('maps schema columns to header positions, in any order and ignoring surrounding spaces', () => {
    expect(matchHeader(IRIS_SCHEMA, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'], 'f')).toEqual([0, 1, 2, 3, 4]);
    expect(matchHeader(IRIS_SCHEMA, [' species', 'petal_width', 'petal_length ', 'sepal_width', 'sepal_length'], 'f')).toEqual([4, 3, 2, 1, 0]);
  });

  it('rejects missing and unexpected columns with SCHEMA_MISMATCH naming the file, expected and found', () => {
    const error = mismatch(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'label']);
    expect(error.code).toBe('SCHEMA_MISMATCH');
    expect(error.message).toContain('landing/x.csv');
    expect(error.message).toContain('missing species');
    expect(error.message).toContain('unexpected label');
    expect(error.message).toContain('expected sepal_length,sepal_width,petal_length,petal_width,species');
    expect(error.message).toContain('found sepal_length,sepal_width,petal_length,petal_width,label');
    expect(error.details).toMatchObject({ file: 'landing/x.csv', missing: ['species'], unexpected: ['label'] });
  });

  it('rejects repeated columns and empty files', () => {
    expect(mismatch(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species', 'species']).message).toContain('repeated species');
    expect(mismatch(undefined).message).toMatch(/the file is empty.*found \(nothing\)/);
  });
});
