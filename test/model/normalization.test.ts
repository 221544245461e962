import { describe, expect, it } from 'vitest';
import { checkMatrixSize, computeNormalization, normalizeRows } from '../../src/model/normalization.js';
import { thrownMlopsError } from '../helpers/errors.js';

describe('computeNormalization', () => {
  it('gives each column its mean and population standard deviation', () => {
    // columns: [1, 2, 3, 4] and [10, 10, 10, 10]
    const features = new Float32Array([1, 10, 2, 10, 3, 10, 4, 10]);
    const { mean, std } = computeNormalization(features, 4, 2);
    expect(mean).toEqual([2.5, 10]);
    expect(std[0]).toBeCloseTo(Math.sqrt(1.25), 15); // ((1.5² + 0.5²) × 2) / 4
    expect(std[1]).toBe(1); // a constant column is left unscaled
  });

  it('rejects no rows and a wrong-sized matrix', () => {
    expect(() => computeNormalization(new Float32Array(0), 0, 2)).toThrow(/at least one row/);
    expect(() => computeNormalization(new Float32Array(5), 2, 2)).toThrow(/5 values; expected rows × columns = 2 × 2 = 4/);
  });
});

describe('normalizeRows', () => {
  it('standardises each value with its column statistics', () => {
    const normalized = normalizeRows(new Float32Array([3, 4, 5, 8]), 2, { mean: [1, 4], std: [2, 2] }, ['a', 'b']);
    expect([...normalized]).toEqual([1, 0, 2, 2]);
  });

  it('names the row and feature of a value that is not finite', () => {
    const features = new Float32Array([1, 2, 3, Number.NaN]);
    const error = thrownMlopsError(() => normalizeRows(features, 2, { mean: [0, 0], std: [1, 1] }, ['sepal_length', 'sepal_width']), 'INVALID_ARGUMENT');
    expect(error.message).toBe('Row 1, feature "sepal_width": expected a finite number, found NaN');
  });
});

describe('checkMatrixSize', () => {
  it('accepts exact sizes and rejects negative or fractional rows', () => {
    expect(() => checkMatrixSize([1, 2, 3, 4, 5, 6], 3, 2, 'm')).not.toThrow();
    expect(() => checkMatrixSize([], -1, 2, 'm')).toThrow(/rows must be a non-negative integer, got -1/);
    expect(() => checkMatrixSize([1], 0.5, 2, 'm')).toThrow(/got 0.5/);
  });
});
