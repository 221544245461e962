import { DuckDBInstance } from '@duckdb/node-api';
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
  it('quotes strings the standard way; for Spark, whose parser reads a backslash as an escape, backslashes twice', () => {
    expect(sqlString("it's", 'duckdb')).toBe("'it''s'");
    expect(sqlString("it's", 'spark')).toBe("'it''s'");
    expect(sqlString('C:\\new\\b', 'duckdb')).toBe("'C:\\new\\b'");
    expect(sqlString('C:\\new\\b', 'spark')).toBe("'C:\\\\new\\\\b'");
  });

  it('DuckDB reads its literals back as the original text (Spark: test/interop/spark/pipeline-on-spark.test.ts)', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const values = ["it's", 'C:\\new\\b', "a\\'b", '\\\\', "''", 'x\ny'];
      const reader = await connection.runAndReadAll(`SELECT ${values.map((value, i) => `${sqlString(value, 'duckdb')} AS v${i}`).join(', ')}`);
      expect(reader.getRowsJS()[0]).toEqual(values);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
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
