import { DataType, tableFromArrays, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodeArrowBatch, encodeArrowStream } from '../../src/spark/arrow.js';

describe('Arrow payloads', () => {
  it('sends dictionary-encoded strings decoded (Spark would read the indices) and round-trips values', () => {
    const table = tableFromArrays({ id: Int32Array.from([1, 2, 3]), name: ['a', 'b', 'a'] });
    expect(DataType.isDictionary(table.schema.fields[1]!.type)).toBe(true);
    const decoded = tableFromIPC(encodeArrowStream(table));
    expect(DataType.isUtf8(decoded.schema.fields[1]!.type)).toBe(true);
    expect(decoded.toArray().map((row) => row.toJSON())).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'a' }]);
  });

  it('decodes a server batch, and names where a corrupt one came from', () => {
    const batches = decodeArrowBatch(encodeArrowStream(tableFromArrays({ x: Float64Array.from([0.5]) })), 'sc://h:1');
    expect(batches.map((b) => b.numRows)).toEqual([1]);
    expect(() => decodeArrowBatch(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'sc://h:1')).toThrow(/sc:\/\/h:1: an Arrow batch/);
  });
});
