import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSink, MemorySink, ParquetStreamWriter } from '../../src/io/parquet-writer.js';
import { ParquetEncodePool } from '../../src/io/workers/parquet-encode-pool.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const pool = new ParquetEncodePool(2);
afterAll(() => pool.close());

const dictionaryType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 0);
const labels = arrow.vectorFromArray(['setosa', 'versicolor', 'virginica'], new arrow.Utf8());
const schema = new arrow.Schema([
  new arrow.Field('x', new arrow.Float64(), false),
  new arrow.Field('label', dictionaryType, true),
  new arrow.Field('at', new arrow.TimestampMillisecond('UTC'), false),
]);

/** Rows first..first+rows-1: x = row number, label by row, every 10th label null. */
function batchOf(first: number, rows: number): arrow.RecordBatch {
  const validity = new Uint8Array(Math.ceil(rows / 8)).fill(0xff);
  let nulls = 0;
  for (let r = 0; r < rows; r++) {
    if ((first + r) % 10 === 9) {
      validity[r >> 3]! &= ~(1 << (r & 7));
      nulls++;
    }
  }
  const children = [
    arrow.makeData({ type: new arrow.Float64(), length: rows, nullCount: 0, data: Float64Array.from({ length: rows }, (_, r) => first + r) }),
    arrow.makeData({ type: dictionaryType, length: rows, nullCount: nulls, nullBitmap: validity, data: Int32Array.from({ length: rows }, (_, r) => (first + r) % 3), dictionary: labels }),
    arrow.makeData({ type: new arrow.TimestampMillisecond('UTC'), length: rows, nullCount: 0, data: new BigInt64Array(rows).fill(1_750_000_000_000n) }),
  ];
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }));
}

async function writeBatches(sizes: number[], encoder?: ParquetEncodePool): Promise<Uint8Array> {
  const sink = new MemorySink();
  const writer = new ParquetStreamWriter(schema, sink, { ...(encoder ? { encoder } : {}), maxPending: 3 });
  let first = 0;
  for (const rows of sizes) {
    await writer.write(batchOf(first, rows), { transfer: true });
    first += rows;
  }
  const summary = await writer.finish();
  expect(summary).toMatchObject({ rows: first, rowGroups: sizes.filter((s) => s > 0).length, bytes: sink.length });
  return sink.bytes();
}

async function rowsOf(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: bytes.slice().buffer as ArrayBuffer });
}

describe('ParquetStreamWriter', () => {
  it('writes one row group per batch, in order, even when worker threads finish them out of order', async () => {
    // A big batch and then small ones: the second worker finishes the small ones first.
    const sizes = [60_000, 7, 0, 20_000, 3, 1];
    const pooled = await writeBatches(sizes, pool);
    const inThread = await writeBatches(sizes);
    expect(Buffer.from(pooled).equals(Buffer.from(inThread))).toBe(true);
    const rows = await rowsOf(pooled);
    expect(rows).toHaveLength(80_011);
    rows.forEach((row, i) => {
      if (row.x !== i) throw new Error(`row ${i} has x = ${String(row.x)}`);
    });
    expect(rows[9]!.label).toBeNull();
    expect(rows[80_010]).toMatchObject({ x: 80_010, label: ['setosa', 'versicolor', 'virginica'][80_010 % 3] });
  });

  it('writes a valid empty file when no batch comes', async () => {
    const bytes = await writeBatches([]);
    expect(await rowsOf(bytes)).toEqual([]);
  });

  it('refuses a batch whose columns differ from the schema, naming both', async () => {
    const writer = new ParquetStreamWriter(schema, new MemorySink(), { target: 'out.parquet' });
    const other = new arrow.Table({ y: arrow.vectorFromArray([1], new arrow.Float64()) }).batches[0]!;
    await expect(writer.write(other)).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringMatching(/\[y: Float64\] to out\.parquet, whose columns are \[x: Float64, label/) });
  });

  it('surfaces an encoding failure in a worker as an error of the write that waits for it', async () => {
    const bad = batchOf(0, 10);
    (bad.getChild('label')!.data[0]!.values as Int32Array)[4] = 7;
    const writer = new ParquetStreamWriter(schema, new MemorySink(), { encoder: pool, maxPending: 0 });
    await expect(writer.write(bad)).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/Dictionary index 7 .* outside the dictionary of 3/) });
  });

  it('streams to a file through FileSink, which never overwrites an existing file', async () => {
    const file = join(await tempDir(), 'out.parquet');
    const sink = await FileSink.create(file);
    const writer = new ParquetStreamWriter(schema, sink);
    await writer.write(batchOf(0, 100));
    await writer.finish();
    await sink.close();
    expect(await rowsOf(new Uint8Array(await readFile(file)))).toHaveLength(100);
    await writeFile(join(await tempDir(), 'x'), '');
    await expect(FileSink.create(file)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('keeps every byte in order while it flushes to disk in the background (100 MiB in 1 MiB writes)', async () => {
    const file = join(await tempDir(), 'big.bin');
    const sink = await FileSink.create(file);
    const chunk = new Uint8Array(1 << 20);
    for (let index = 0; index < 100; index++) {
      // Each chunk tells its place, so a lost, repeated or reordered write shows.
      chunk.fill(index);
      await sink.write(chunk);
    }
    await sink.close();
    const bytes = await readFile(file);
    expect(bytes.length).toBe(100 << 20);
    for (let index = 0; index < 100; index++) {
      const at = index << 20;
      if (bytes[at] !== index || bytes[at + (1 << 20) - 1] !== index) throw new Error(`chunk ${index} holds ${bytes[at]}…${bytes[at + (1 << 20) - 1]}`);
    }
  });
});

describe('ParquetStreamWriter with minCompressionSavings', () => {
  it('stops compressing a column that snappy does not shrink enough, samples it again now and then, and stays readable', async () => {
    let state = 11;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const noiseSchema = new arrow.Schema([new arrow.Field('noise', new arrow.Float64(), false), new arrow.Field('steps', new arrow.Float64(), false)]);
    const sink = new MemorySink();
    const writer = new ParquetStreamWriter(noiseSchema, sink, { minCompressionSavings: 0.3, maxPending: 1 });
    const rows = 20_000;
    for (let g = 0; g < 20; g++) {
      const table = new arrow.Table({
        noise: arrow.makeVector(Float64Array.from({ length: rows }, () => random())),
        // Each value twice in a row: too many values for a dictionary, and snappy halves them.
        steps: arrow.makeVector(Float64Array.from({ length: rows }, (_, r) => g * rows + Math.floor(r / 2))),
      });
      await writer.write(new arrow.RecordBatch(noiseSchema, table.batches[0]!.data));
    }
    await writer.finish();
    const bytes = sink.bytes();
    const { parquetMetadata } = await import('hyparquet');
    const metadata = parquetMetadata(bytes.slice().buffer as ArrayBuffer);
    expect(metadata.row_groups.map((g) => g.columns[0]!.meta_data?.codec)).toEqual(new Array(20).fill('UNCOMPRESSED'));
    expect(metadata.row_groups.map((g) => g.columns[1]!.meta_data?.codec)).toEqual(new Array(20).fill('SNAPPY'));
    expect(await rowsOf(bytes)).toHaveLength(400_000);
  });

  it('stops trying a dictionary for a numeric column with too many distinct values, and tries again now and then', async () => {
    const schema = new arrow.Schema([new arrow.Field('x', new arrow.Float64(), false)]);
    const sink = new MemorySink();
    const writer = new ParquetStreamWriter(schema, sink, { maxPending: 0 });
    const rows = 10_000;
    for (let g = 0; g < 20; g++) {
      // Row group 0 has 10,000 distinct values; every later one has 10.
      const values = Float64Array.from({ length: rows }, (_, r) => (g === 0 ? r : r % 10));
      await writer.write(new arrow.RecordBatch(schema, new arrow.Table({ x: arrow.makeVector(values) }).batches[0]!.data));
    }
    await writer.finish();
    const bytes = sink.bytes();
    const { parquetMetadata } = await import('hyparquet');
    const dictionary = parquetMetadata(bytes.slice().buffer as ArrayBuffer).row_groups.map((g) => g.columns[0]!.meta_data!.encodings.includes('RLE_DICTIONARY'));
    // PLAIN from the first group on, until the 16th group tries again and finds 10 values.
    expect(dictionary).toEqual([false, ...new Array(15).fill(false), true, true, true, true]);
    const read = await rowsOf(bytes);
    expect(read[5]).toEqual({ x: 5 });
    expect(read[rows + 12]).toEqual({ x: 2 });
  });

  it('stores small pages uncompressed when snappy would not save enough of them (a row group of bit-packed dictionary indices)', async () => {
    let state = 3;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const schema = new arrow.Schema([new arrow.Field('feature', new arrow.Float64(), false)]);
    const sink = new MemorySink();
    const writer = new ParquetStreamWriter(schema, sink, { minCompressionSavings: 0.3, maxPending: 0 });
    // 40 one-decimal values in random order: 6-bit indices that snappy cannot shrink.
    const values = Float64Array.from({ length: 30_000 }, () => Math.floor(random() * 40) / 10);
    await writer.write(new arrow.RecordBatch(schema, new arrow.Table({ feature: arrow.makeVector(values) }).batches[0]!.data));
    await writer.finish();
    const bytes = sink.bytes();
    const { parquetMetadata } = await import('hyparquet');
    const chunk = parquetMetadata(bytes.slice().buffer as ArrayBuffer).row_groups[0]!.columns[0]!.meta_data!;
    expect(chunk.encodings).toContain('RLE_DICTIONARY');
    expect(chunk.codec).toBe('UNCOMPRESSED');
    expect(Number(chunk.total_compressed_size)).toBeLessThan(30_000);
    const read = await rowsOf(bytes);
    expect(read[29_999]).toEqual({ feature: values[29_999] });
  });
});
