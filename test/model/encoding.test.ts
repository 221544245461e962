import { describe, expect, it } from 'vitest';
import { encodedFeatureNames, encodeRawMatrix, fitInputs, isPlainNumeric, MISSING, oneHotColumns, parseInputs, UNSEEN, type InputColumn } from '../../src/model/encoding.js';

const INPUTS: InputColumn[] = [
  { name: 'island', kind: 'categorical', vocabulary: ['Biscoe', 'Dream'] },
  { name: 'mass', kind: 'numeric', impute: 4000 },
  { name: 'bill', kind: 'numeric' },
];

describe('encoding', () => {
  it('names the encoded columns and finds the one-hot ones', () => {
    expect(encodedFeatureNames(INPUTS)).toEqual(['island=Biscoe', 'island=Dream', 'mass', 'bill']);
    expect(oneHotColumns(INPUTS)).toEqual([0, 1]);
    expect(isPlainNumeric(INPUTS)).toBe(false);
    expect(isPlainNumeric([{ name: 'a', kind: 'numeric' }])).toBe(true);
  });

  it('one-hot encodes, imputes missing values where asked, leaves unseen and missing categories all zeros', () => {
    const raw = [1, 3500, 40, UNSEEN, NaN, 41, MISSING, Infinity, NaN];
    expect(Array.from(encodeRawMatrix(INPUTS, raw, 3))).toEqual([0, 1, 3500, 40, 0, 0, 4000, 41, 0, 0, 4000, NaN]);
  });

  it('learns vocabularies and means from the training rows only', () => {
    const inputs = fitInputs(
      [
        { name: 'island', kind: 'categorical', values: ['Dream', 'Biscoe', null, 'Torgersen'] },
        { name: 'mass', kind: 'numeric', values: Float64Array.of(1, NaN, 3, 100), impute: true },
        { name: 'bill', kind: 'numeric', values: Float64Array.of(1, 2, 3, 4), impute: false },
      ],
      [0, 1, 2],
    );
    expect(inputs).toEqual([
      { name: 'island', kind: 'categorical', vocabulary: ['Biscoe', 'Dream'] },
      { name: 'mass', kind: 'numeric', impute: 2 },
      { name: 'bill', kind: 'numeric' },
    ]);
  });

  it('reads stored inputs back and refuses damaged ones, naming the file', () => {
    expect(parseInputs(JSON.parse(JSON.stringify(INPUTS)), 'p.json')).toEqual(INPUTS);
    expect(() => parseInputs([{ name: 'x', kind: 'text' }], 'p.json')).toThrow(/p.json: "inputs" \[0\] \("x"\): kind must be numeric or categorical/);
    expect(() => parseInputs([{ name: 'x', kind: 'categorical', vocabulary: [1] }], 'p.json')).toThrow(/vocabulary must be a list of strings/);
  });
});
