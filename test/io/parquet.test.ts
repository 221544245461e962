import * as arrow from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { parquetToTable, readParquetBatches, tableToParquet } from '../../src/io/parquet.js';

function sampleTable(rows: number): arrow.Table {
  const species = ['setosa', 'versicolor', 'virginica'];
  return new arrow.Table({
    sepal_length: arrow.vectorFromArray(Float64Array.from({ length: rows }, (_, i) => 4 + i / 10)),
    species: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => species[i % 3] ?? ''), new arrow.Utf8()),
    count: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i), new arrow.Int32()),
    at: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => 1_700_000_000_000 + i), new arrow.TimestampMillisecond('UTC')),
  });
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe('tableToParquet', () => {
  it('writes Parquet that an independent reader (hyparquet) reads back exactly', async () => {
    for (const compression of ['snappy', 'none'] as const) {
      const bytes = tableToParquet(sampleTable(4), { compression });
      const rows = await parquetReadObjects({ file: arrayBufferOf(bytes) });
      expect(rows).toEqual([
        { sepal_length: 4, species: 'setosa', count: 0, at: new Date(1_700_000_000_000) },
        { sepal_length: 4.1, species: 'versicolor', count: 1, at: new Date(1_700_000_000_001) },
        { sepal_length: 4.2, species: 'virginica', count: 2, at: new Date(1_700_000_000_002) },
        { sepal_length: 4.3, species: 'setosa', count: 3, at: new Date(1_700_000_000_003) },
      ]);
    }
  });

  it('uses the requested codec and dictionary-encodes only string columns', () => {
    const bytes = tableToParquet(sampleTable(100), { compression: 'zstd' });
    const metadata = parquetMetadata(arrayBufferOf(bytes));
    const chunks = metadata.row_groups[0]?.columns ?? [];
    const byName = new Map(chunks.map((chunk) => [chunk.meta_data?.path_in_schema.join('.'), chunk.meta_data]));
    expect(byName.get('species')?.codec).toBe('ZSTD');
    expect(byName.get('species')?.encodings).toContain('RLE_DICTIONARY');
    expect(byName.get('sepal_length')?.encodings).not.toContain('RLE_DICTIONARY');
    expect(byName.get('sepal_length')?.encodings).not.toContain('PLAIN_DICTIONARY');
  });

  it('defaults to snappy', () => {
    const metadata = parquetMetadata(arrayBufferOf(tableToParquet(sampleTable(3))));
    expect(metadata.row_groups[0]?.columns[0]?.meta_data?.codec).toBe('SNAPPY');
  });

  it('rejects an unknown compression', () => {
    expect(() => tableToParquet(sampleTable(1), { compression: 'lzma' as never })).toThrow(/Unknown Parquet compression "lzma"/);
  });
});

describe('parquetToTable', () => {
  it('round-trips values and types, zstd included', () => {
    const original = sampleTable(1000);
    const back = parquetToTable(tableToParquet(original, { compression: 'zstd' }));
    expect(back.numRows).toBe(1000);
    expect(back.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual([
      'sepal_length:Float64',
      'species:Utf8',
      'count:Int32',
      'at:Timestamp<MILLISECOND, UTC>',
    ]);
    expect(back.get(999)?.toJSON()).toEqual(original.get(999)?.toJSON());
  });

  it('keeps the schema of a table with no rows', () => {
    const empty = new arrow.Table(new arrow.Schema([new arrow.Field('x', new arrow.Float64(), false)]));
    const back = parquetToTable(tableToParquet(empty));
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.map((field) => field.name)).toEqual(['x']);
  });

  it('fails with CORRUPT naming the source for bytes that are not Parquet', () => {
    let caught: unknown;
    try {
      parquetToTable(new TextEncoder().encode('not parquet at all'), { source: '/Volumes/c/s/v/x.parquet' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MlopsError);
    expect((caught as MlopsError).code).toBe('CORRUPT');
    expect((caught as MlopsError).message).toMatch(/Parquet file \/Volumes\/c\/s\/v\/x\.parquet \(18 bytes\)/);
  });
});

describe('readParquetBatches', () => {
  it('yields record batches of the requested size covering every row in order', () => {
    const bytes = tableToParquet(sampleTable(2500));
    const batches = [...readParquetBatches(bytes, { batchSize: 1000 })];
    expect(batches.map((batch) => batch.numRows)).toEqual([1000, 1000, 500]);
    const counts = batches.flatMap((batch) => Array.from(batch.getChild('count')?.toArray() as Int32Array));
    expect(counts).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('reads a small file in a single batch by default', () => {
    expect([...readParquetBatches(tableToParquet(sampleTable(5000)))].map((batch) => batch.numRows)).toEqual([5000]);
  });

  it('can be abandoned part way without error', () => {
    const iterator = readParquetBatches(tableToParquet(sampleTable(30)), { batchSize: 10 });
    const first = iterator.next();
    expect(first.done).toBe(false);
    expect(iterator.return()).toEqual({ done: true, value: undefined });
  });

  it('rejects a batch size that is not a positive integer', () => {
    expect(() => [...readParquetBatches(tableToParquet(sampleTable(1)), { batchSize: 0 })]).toThrow(/positive integer; found 0/);
  });
});
