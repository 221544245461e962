import { describe, expect, it } from 'vitest';
import { isPlainIdentifier, sqlDouble, sqlIdentifier, sqlString } from '../../../src/model/sql/literals.js';

describe('sqlDouble', () => {
  it('always writes an exponent (a DOUBLE literal in Spark and DuckDB), exactly, negatives in parentheses', () => {
    expect(sqlDouble(0.5)).toBe('0.5E0');
    expect(sqlDouble(3)).toBe('3E0');
    expect(sqlDouble(-0.25)).toBe('(-0.25E0)');
    expect(sqlDouble(1e-7)).toBe('1E-7');
    expect(sqlDouble(-0)).toBe('0E0');
    const weight = Math.fround(0.1);
    expect(Number(sqlDouble(weight))).toBe(weight);
  });

  it('refuses non-finite numbers', () => {
    expect(() => sqlDouble(Number.NaN)).toThrow(/must be finite/);
    expect(() => sqlDouble(Number.POSITIVE_INFINITY)).toThrow(/must be finite/);
  });
});

describe('sqlString / sqlIdentifier', () => {
  it('quotes strings the standard way', () => {
    expect(sqlString("it's")).toBe("'it''s'");
  });

  it('leaves plain identifiers bare and quotes others per dialect', () => {
    expect(isPlainIdentifier('sepal_length')).toBe(true);
    expect(sqlIdentifier('sepal_length', 'spark')).toBe('sepal_length');
    expect(sqlIdentifier('sepal length', 'spark')).toBe('`sepal length`');
    expect(sqlIdentifier('a`b', 'spark')).toBe('`a``b`');
    expect(sqlIdentifier('sepal-length', 'duckdb')).toBe('"sepal-length"');
    expect(sqlIdentifier('a"b', 'duckdb')).toBe('"a""b"');
  });
});
