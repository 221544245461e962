import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { decodeHybrid, decodeOwnParquet, openOwnParquet } from '../../src/io/parquet-decode.js';
import { encodeHybrid } from '../../src/io/parquet-encode.js';
import * as pq from '../../src/io/parquet-wasm.js';
import { encodeParquet } from '../../src/io/parquet-writer.js';
import { tableToParquet } from '../../src/io/parquet.js';

/** What parquet-wasm, the reader of record, reads from the bytes. */
function readWithParquetWasm(bytes: Uint8Array): arrow.Table {
  return arrow.tableFromIPC(pq.readParquet(bytes).intoIPCStream());
}

function describeSchema(schema: arrow.Schema): unknown {
  return {
    fields: schema.fields.map((field) => ({ name: field.name, type: String(field.type), typeId: field.typeId, nullable: field.nullable, metadata: [...field.metadata] })),
    metadata: [...schema.metadata],
  };
}

function rowsOf(table: arrow.Table): unknown[][] {
  return table.schema.fields.map((field) => [...table.getChild(field.name)!]);
}

function expectSameAsParquetWasm(bytes: Uint8Array): arrow.Table {
  const ours = decodeOwnParquet(bytes);
  expect(ours, 'our decoder read the file').toBeDefined();
  const reference = readWithParquetWasm(bytes);
  expect(describeSchema(ours!.schema)).toEqual(describeSchema(reference.schema));
  // Arrow JS compares types by class too (a Float64 is not an IPC reader's Float): both directions.
  ours!.schema.fields.forEach((field, index) => {
    const other = reference.schema.fields[index]!.type;
    expect(field.type.constructor, field.name).toBe(other.constructor);
    expect(arrow.util.compareTypes(field.type, other) && arrow.util.compareTypes(other, field.type), field.name).toBe(true);
  });
  expect(ours!.numRows).toBe(reference.numRows);
  expect(rowsOf(ours!)).toEqual(rowsOf(reference));
  return ours!;
}

function batchOf(columns: Record<string, arrow.Vector>): arrow.RecordBatch {
  return new arrow.Table(columns).batches[0]!;
}

const species = ['setosa', 'versicolor', 'virginica', 'ünïcode ✓', ''];

describe('decodeOwnParquet', () => {
  it('reads what our encoder writes exactly as parquet-wasm does: numbers, strings, timestamps, nulls', async () => {
    const rows = 300;
    const batch = batchOf({
      sepal_length: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => 4 + (i % 37) / 10), new arrow.Float64()),
      maybe: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : i * 1.5)), new arrow.Float64()),
      f32: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i / 3), new arrow.Float32()),
      i32: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : i - 100)), new arrow.Int32()),
      i16: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i % 300), new arrow.Int16()),
      i64: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => BigInt(i) * 10_000_000_000n), new arrow.Int64()),
      species: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => species[i % species.length]!), new arrow.Utf8()),
      note: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? null : `row ${i} ${'x'.repeat(i % 13)}`)), new arrow.Utf8()),
      dictionary: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 9 === 0 ? null : species[i % 3]!)), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      at_utc: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => 1_733_400_000_000 + i * 1000), new arrow.TimestampMillisecond('UTC')),
      at_local: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? null : 1_733_400_000_000 + i)), new arrow.TimestampMillisecond()),
      at_micros: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => 1_733_400_000_000 + i), new arrow.TimestampMicrosecond('UTC')),
    });
    const table = expectSameAsParquetWasm(await encodeParquet([batch], 'mixed.parquet'));
    expect(table.getChild('species')!.get(3)).toBe('ünïcode ✓');
    expect(table.getChild('maybe')!.get(0)).toBeNull();
  });

  it('reads several row groups, an all-null column and a zero-row file', async () => {
    const part = (from: number, rows: number) =>
      batchOf({
        x: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => from + i), new arrow.Float64()),
        nothing: arrow.vectorFromArray(Array.from({ length: rows }, () => null), new arrow.Utf8()),
        label: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => species[(from + i) % 3]!), new arrow.Utf8()),
      });
    const several = expectSameAsParquetWasm(await encodeParquet([part(0, 50), part(50, 70), part(120, 1)], 'parts.parquet'));
    expect(several.numRows).toBe(121);
    expect(several.batches.length).toBeGreaterThan(1);
    expectSameAsParquetWasm(await encodeParquet([part(0, 0)], 'empty.parquet'));
  });

  it('gives undefined for files another writer made (parquet-wasm reads those) and for damaged bytes', async () => {
    const batch = batchOf({ x: arrow.vectorFromArray([1.5, 2.5, null], new arrow.Float64()), s: arrow.vectorFromArray(['a', 'b', 'c'], new arrow.Utf8()) });
    expect(decodeOwnParquet(tableToParquet(new arrow.Table([batch])))).toBeUndefined();
    const ours = await encodeParquet([batch], 'ok.parquet');
    expect(decodeOwnParquet(ours)).toBeDefined();
    expect(decodeOwnParquet(ours.subarray(0, ours.length - 1))).toBeUndefined();
    expect(decodeOwnParquet(new Uint8Array(0))).toBeUndefined();
    // The first page's bytes overwritten: the snappy block or page header no longer decodes.
    const damaged = ours.slice();
    damaged.fill(0xff, 4, 24);
    expect(decodeOwnParquet(damaged)).toBeUndefined();
  });

  it('opens by the footer alone and decodes each row group when read: a damaged row group gives undefined, the others still decode', async () => {
    const part = (from: number, rows: number) => batchOf({ x: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => from + i), new arrow.Float64()) });
    const bytes = await encodeParquet([part(0, 50), part(50, 70)], 'two-groups.parquet');
    const second = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).row_groups[1]!.columns[0]!.meta_data!;
    const damaged = bytes.slice();
    damaged.fill(0xff, Number(second.dictionary_page_offset ?? second.data_page_offset), Number(second.data_page_offset) + 16);
    const file = openOwnParquet(damaged);
    expect(file?.rowGroupRows).toEqual([50, 70]);
    expect(String(file!.schema.fields[0]!.type)).toBe('Float64');
    expect([...file!.readRowGroup(0)!.getChild('x')!]).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(file!.readRowGroup(1)).toBeUndefined();
    expect(decodeOwnParquet(damaged)).toBeUndefined();
  });

  it('decodes the RLE/bit-packed hybrid our encoder writes, for every bit width it uses', () => {
    for (const bitWidth of [1, 2, 3, 5, 8, 12, 17]) {
      const values = Int32Array.from({ length: 1000 }, (_, i) => (i < 300 ? 1 : (i * 7919) % 2 ** bitWidth));
      expect([...decodeHybrid(encodeHybrid(values, values.length, bitWidth), bitWidth, values.length)]).toEqual([...values]);
    }
    expect(() => decodeHybrid(new Uint8Array([0x03]), 1, 8)).toThrow(RangeError);
  });
});
