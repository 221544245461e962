import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowTypeFromDatabricks, jsonCellToValue, quoteIdentifier, quoteString, sqlTypeOf } from '../../../src/workspace/databricks/sql-types.js';

describe('Databricks SQL types', () => {
  it('maps type names to Arrow types and back', () => {
    for (const [name, sql] of [
      ['LONG', 'BIGINT'],
      ['INT', 'INT'],
      ['DOUBLE', 'DOUBLE'],
      ['FLOAT', 'FLOAT'],
      ['STRING', 'STRING'],
      ['BOOLEAN', 'BOOLEAN'],
      ['TIMESTAMP', 'TIMESTAMP'],
      ['TIMESTAMP_NTZ', 'TIMESTAMP_NTZ'],
      ['DATE', 'DATE'],
    ] as const) {
      expect(sqlTypeOf(arrowTypeFromDatabricks(name))).toBe(sql);
    }
    expect(() => arrowTypeFromDatabricks('MAP', 'map<string,int>')).toThrowError(/map<string,int> has no Arrow mapping/);
    expect(sqlTypeOf(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()))).toBe('STRING');
    expect(sqlTypeOf(new arrow.TimestampMillisecond('UTC'))).toBe('TIMESTAMP');
  });

  it('parses JSON_ARRAY cells', () => {
    expect(jsonCellToValue('12345678901234', new arrow.Int64())).toBe(12345678901234n);
    expect(jsonCellToValue('NaN', new arrow.Float64())).toBeNaN();
    expect(jsonCellToValue('false', new arrow.Bool())).toBe(false);
    expect((jsonCellToValue('2024-01-02 03:04:05', new arrow.TimestampMicrosecond('Etc/UTC')) as Date).toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(jsonCellToValue(null, new arrow.Utf8())).toBeNull();
  });

  it('quotes identifiers and strings the Spark SQL way', () => {
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
    expect(quoteString("/Volumes/c/it's")).toBe("'/Volumes/c/it\\'s'");
  });
});
