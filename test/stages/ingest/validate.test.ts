import { describe, expect, it } from 'vitest';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { validateCsv } from '../../../src/stages/ingest/validate.js';

const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';

describe('validateCsv', () => {
  it('collects good rows column by column in schema order', () => {
    const result = validateCsv(IRIS_SCHEMA, 'a.csv', `${HEADER}\n5.1,3.5,1.4,0.2,setosa\r\n6.3,3.3,6.0,2.5,virginica\n`);
    expect(result.rows).toBe(2);
    expect(result.columns).toEqual([[5.1, 6.3], [3.5, 3.3], [1.4, 6], [0.2, 2.5], ['setosa', 'virginica']]);
    expect(result.quarantined).toEqual([]);
  });

  it('reorders columns to the schema when the header is in another order', () => {
    const result = validateCsv(IRIS_SCHEMA, 'a.csv', 'species,petal_width,petal_length,sepal_width,sepal_length\nversicolor,1,2,3,4\n');
    expect(result.columns).toEqual([[4], [3], [2], [1], ['versicolor']]);
  });

  it('quarantines bad rows with their line number, raw text and reason, and keeps the rest', () => {
    const text = [
      HEADER,
      '5.1,3.5,1.4,0.2,setosa',
      '5.1,abc,1.4,0.2,setosa',
      '5.1,3.5,1.4,0.2,rose',
      '5.1,3.5,1.4',
      ',3.5,0x1A,Infinity,setosa',
      '"5.1","3.5","1.4","0.2","setosa"',
      '4.9,3.0,1.4,0.2,"seto"sa',
      '1e400,1,1,1,setosa',
      ' 4.6 , 3.1 ,1.5,.2, versicolor ',
    ].join('\n');
    const result = validateCsv(IRIS_SCHEMA, 'landing/mixed.csv', text);
    expect(result.rows).toBe(3);
    expect(result.columns[0]).toEqual([5.1, 5.1, 4.6]);
    expect(result.columns[4]).toEqual(['setosa', 'setosa', 'versicolor']);
    expect(result.quarantined).toEqual([
      { line: 3, raw: '5.1,abc,1.4,0.2,setosa', reason: 'sepal_width "abc" is not a number' },
      { line: 4, raw: '5.1,3.5,1.4,0.2,rose', reason: 'species "rose" is not one of setosa, versicolor, virginica' },
      { line: 5, raw: '5.1,3.5,1.4', reason: 'expected 5 fields, found 3' },
      {
        line: 6,
        raw: ',3.5,0x1A,Infinity,setosa',
        reason: 'sepal_length is empty; petal_length "0x1A" is not a number; petal_width "Infinity" is not a number',
      },
      { line: 8, raw: '4.9,3.0,1.4,0.2,"seto"sa', reason: 'malformed CSV: unexpected text after the closing quote of field 5' },
      { line: 9, raw: '1e400,1,1,1,setosa', reason: 'sepal_length "1e400" is out of the float64 range' },
    ]);
  });

  it('accepts UTF-8 bytes with a BOM', () => {
    const bytes = new TextEncoder().encode(`\uFEFF${HEADER}\n1,2,3,4,setosa\n`);
    expect(validateCsv(IRIS_SCHEMA, 'a.csv', bytes).rows).toBe(1);
  });

  it('rejects the whole file when the header is wrong', () => {
    expect(() => validateCsv(IRIS_SCHEMA, 'landing/wrong.csv', 'a,b,c\n1,2,3\n')).toThrow(/landing\/wrong\.csv: the header does not match the Iris schema/);
  });

  it('accepts a header-only file as zero rows', () => {
    expect(validateCsv(IRIS_SCHEMA, 'a.csv', `${HEADER}\n`)).toEqual({ file: 'a.csv', rows: 0, columns: [[], [], [], [], []], quarantined: [] });
  });
});
