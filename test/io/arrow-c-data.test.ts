import * as arrow from 'apache-arrow';
import * as pq from '../../src/io/parquet-wasm.js';
import { describe, expect, it } from 'vitest';
import { canCopyFromC, copyRecordBatchFromC } from '../../src/io/arrow-c-data.js';
import { tableToParquet } from '../../src/io/parquet.js';

const ROWS = 100;
const table = new arrow.Table({
  d: arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => (i % 9 === 4 ? null : i * 1.5)), new arrow.Float64()),
  f: arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => i / 4), new arrow.Float32()),
  small: arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => i - 50), new arrow.Int16()),
  i: arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => (i % 7 === 0 ? null : i * 1000)), new arrow.Int32()),
  l: arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => BigInt(i) ** 5n), new arrow.Int64()),
  at: arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => 1_700_000_000_000 + i), new arrow.TimestampMillisecond('UTC')),
});
const wasmTable = () => pq.readParquet(tableToParquet(table), { batchSize: ROWS });

/** Exports a parquet-wasm batch through the C Data Interface and copies it, as openParquetFile does. */
function viaC(batch: pq.RecordBatch): arrow.RecordBatch {
  const exported = batch.intoFFI();
  try {
    return copyRecordBatchFromC(pq.wasmMemory().buffer as ArrayBuffer, exported.arrayAddr(), exported.schemaAddr());
  } finally {
    exported.free();
  }
}

describe('copyRecordBatchFromC', () => {
  it('copies numeric and timestamp columns, nulls included, to the same values the IPC route gives', () => {
    const batch = viaC(wasmTable().recordBatch(0)!);
    expect(batch.numRows).toBe(ROWS);
    expect(batch.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['d:Float64', 'f:Float32', 'small:Int16', 'i:Int32', 'l:Int64', 'at:Timestamp<MILLISECOND, UTC>']);
    for (const field of table.schema.fields) {
      const copied = batch.getChild(field.name)!;
      const original = table.getChild(field.name as 'd')!;
      expect(copied.nullCount, field.name).toBe(original.nullCount);
      for (let row = 0; row < ROWS; row++) expect(copied.get(row), `${field.name}[${row}]`).toEqual(original.get(row));
    }
  });

  it('honours the offset of a sliced batch, for values and for validity bits that do not start on a byte', () => {
    const batch = viaC(wasmTable().recordBatch(0)!.slice(3, 40));
    expect(batch.numRows).toBe(40);
    expect(batch.getChild('d')!.get(0)).toBe(4.5);
    expect(batch.getChild('d')!.get(1)).toBeNull(); // row 4
    expect(batch.getChild('i')!.get(4)).toBeNull(); // row 7
    expect(batch.getChild('l')!.get(39)).toBe(42n ** 5n);
  });

  it('gives each column a buffer of its own, so that it can be transferred alone', () => {
    const batch = viaC(wasmTable().recordBatch(0)!);
    const buffers = batch.schema.fields.map((f) => batch.getChild(f.name)!.data[0]!.values.buffer);
    expect(new Set(buffers).size).toBe(buffers.length);
    expect(buffers.every((buffer) => buffer instanceof ArrayBuffer)).toBe(true);
  });

  it('tells which types it can copy, and refuses others naming the column', () => {
    expect(canCopyFromC(new arrow.Float64())).toBe(true);
    expect(canCopyFromC(new arrow.Int8())).toBe(true);
    expect(canCopyFromC(new arrow.Utf8())).toBe(false);
    const strings = pq.readParquet(tableToParquet(new arrow.Table({ s: arrow.vectorFromArray(['a'], new arrow.Utf8()) })));
    expect(() => viaC(strings.recordBatch(0)!)).toThrow(/Column "s" has Arrow C format "u"/);
  });
});
