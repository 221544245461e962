import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { openParquetBytes, openParquetFile, parquetToTable, readParquetBatches, tableToParquet } from '../../src/io/parquet.js';
import * as pq from '../../src/io/parquet-wasm.js';
import { encodeParquet } from '../../src/io/parquet-writer.js';
import { useTempDirs } from '../helpers/temp-dir.js';

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
    expect((caught as MlopsError).message).toBe('/Volumes/c/s/v/x.parquet is not a Parquet file: expected the magic bytes 50 41 52 31 ("PAR1") at its start, found 6e 6f 74 20');
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

const tempDir = useTempDirs();

describe('openParquetFile / openParquetBytes (streaming by record batches)', () => {
  /** Numbers of several types, with nulls, in row groups of 1,000 rows (parquet-wasm writes it). */
  async function numbersFile(rows: number): Promise<string> {
    const table = new arrow.Table({
      d: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : i / 4)), new arrow.Float64()),
      f: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i / 2), new arrow.Float32()),
      i: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i - 100), new arrow.Int32()),
      l: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => BigInt(i) * 3n), new arrow.Int64()),
      at: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => 1_700_000_000_000 + i), new arrow.TimestampMillisecond('UTC')),
      s: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => `row ${i}`), new arrow.Utf8()),
    });
    const file = join(await tempDir(), 'numbers.parquet');
    const slices = [];
    for (let offset = 0; offset < rows; offset += 1000) slices.push(table.slice(offset, offset + 1000));
    // One Parquet row group per 1,000 rows: tables of several batches become several row groups.
    await writeFile(file, tableToParquet(new arrow.Table(slices.flatMap((slice) => slice.batches))));
    return file;
  }

  it('reads the footer first (schema, rows), then streams batches of the asked columns and size with the same values as the whole-file reader', async () => {
    const file = await numbersFile(5000);
    const source = await openParquetFile(file);
    try {
      expect(source.rows).toBe(5000);
      expect(source.schema.fields.map((f) => f.name)).toEqual(['d', 'f', 'i', 'l', 'at', 's']);
      const batches = [];
      for await (const batch of source.batches({ columns: ['d', 'i', 'l', 'at', 'f'], batchSize: 700 })) batches.push(batch);
      expect(Math.max(...batches.map((b) => b.numRows))).toBeLessThanOrEqual(700);
      const streamed = new arrow.Table(batches);
      const whole = parquetToTable(new Uint8Array(await readFile(file)));
      expect(streamed.numRows).toBe(5000);
      expect(streamed.schema.fields.map((f) => f.name)).toEqual(['d', 'f', 'i', 'l', 'at']);
      for (const name of ['d', 'f', 'i', 'l', 'at']) {
        expect(streamed.getChild(name)!.toArray().length).toBe(5000);
        for (const row of [0, 1, 13, 699, 700, 2999, 4999]) expect(streamed.getChild(name)!.get(row), `${name}[${row}]`).toEqual(whole.getChild(name)!.get(row));
      }
      expect(String(streamed.getChild('at')!.type)).toBe('Timestamp<MILLISECOND, UTC>');
      expect(streamed.getChild('d')!.nullCount).toBe(Math.ceil(5000 / 13));
    } finally {
      await source.close();
    }
  });

  it('gives the footer schema as the whole-file reader gives it: types, nullability, dictionaries', async () => {
    const rows = 50;
    const table = new arrow.Table({
      d: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : i / 4)), new arrow.Float64()),
      at: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => 1_700_000_000_000 + i), new arrow.TimestampMillisecond('UTC')),
      s: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => `v${i % 3}`), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      b: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i % 2 === 0), new arrow.Bool()),
    });
    const file = join(await tempDir(), 'types.parquet');
    await writeFile(file, tableToParquet(table));
    const source = await openParquetFile(file);
    try {
      const whole = parquetToTable(new Uint8Array(await readFile(file)));
      const describe = (schema: arrow.Schema) => schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`);
      expect(describe(source.schema)).toEqual(describe(whole.schema));
      expect(describe(source.schema)).toContain('s:Dictionary<Int32, Utf8>:true');
      expect(describe(source.schema)).toContain('at:Timestamp<MILLISECOND, UTC>:true');
    } finally {
      await source.close();
    }
  });

  it('streams string columns too (through Arrow IPC), and the same from bytes in memory', async () => {
    const file = await numbersFile(1200);
    const source = await openParquetBytes(new Uint8Array(await readFile(file)), 'in-memory.parquet');
    try {
      const rows = [];
      for await (const batch of source.batches({ columns: ['s', 'i'] })) rows.push(...batch.toArray().map((r) => r.toJSON()));
      expect(rows).toHaveLength(1200);
      expect(rows[1199]).toEqual({ s: 'row 1199', i: 1099 });
    } finally {
      await source.close();
    }
  });

  it('streams a file our own encoder wrote (read by our decoder) with the columns, batch sizes and values parquet-wasm gives', async () => {
    const rows = 700;
    const batch = (from: number, count: number) =>
      new arrow.Table({
        x: arrow.vectorFromArray(Array.from({ length: count }, (_, i) => (i % 9 === 0 ? null : (from + i) / 8)), new arrow.Float64()),
        label: arrow.vectorFromArray(Array.from({ length: count }, (_, i) => ['setosa', 'versicolor', 'virginica'][(from + i) % 3]!), new arrow.Utf8()),
        n: arrow.vectorFromArray(Array.from({ length: count }, (_, i) => from + i), new arrow.Int32()),
      }).batches[0]!;
    const bytes = await encodeParquet([batch(0, 500), batch(500, rows - 500)], 'own.parquet');
    const file = join(await tempDir(), 'own.parquet');
    await writeFile(file, bytes);
    const reference = arrow.tableFromIPC(pq.readParquet(bytes).intoIPCStream());
    for (const source of [await openParquetFile(file), await openParquetBytes(await readFile(file), 'a Buffer')]) {
      try {
        expect(source.rows).toBe(rows);
        expect(source.rowGroupRows).toEqual([500, 200]);
        expect(source.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual(reference.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`));
        const batches = [];
        for await (const b of source.batches({ columns: ['label', 'x'], batchSize: 128 })) batches.push(b);
        expect(batches.map((b) => b.numRows)).toEqual([128, 128, 128, 116, 128, 72]);
        const streamed = new arrow.Table(batches);
        // In the file's order, whatever the order asked for.
        expect(streamed.schema.fields.map((f) => f.name)).toEqual(['x', 'label']);
        expect([...streamed.getChild('x')!]).toEqual([...reference.getChild('x')!]);
        expect([...streamed.getChild('label')!]).toEqual([...reference.getChild('label')!]);
        // A subset that is neither a prefix nor in the file's order: each name keeps its own values.
        const subset = [];
        for await (const b of source.batches({ columns: ['n', 'x'] })) subset.push(b);
        const picked = new arrow.Table(subset);
        expect(picked.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['x:Float64', 'n:Int32']);
        expect([...picked.getChild('n')!]).toEqual([...reference.getChild('n')!]);
        expect([...picked.getChild('x')!]).toEqual([...reference.getChild('x')!]);
        const only = [];
        for await (const b of source.batches({ only: { group: 1, rows: 5 } })) only.push(b);
        expect(only.map((b) => b.numRows)).toEqual([5]);
        expect(only[0]!.getChild('n')!.get(0)).toBe(500);
        await expect(source.batches({ columns: ['nope'] }).next()).rejects.toThrow(/has no column "nope"/);
      } finally {
        await source.close();
      }
    }
    expect([...parquetToTable(bytes, { batchSize: 300 }).batches.map((b) => b.numRows)]).toEqual([300, 200, 200]);
  });

  it("reads a damaged row group of our own file through parquet-wasm, which fails with CORRUPT naming the file, after the intact one", async () => {
    const part = (from: number, rows: number) => new arrow.Table({ x: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => from + i), new arrow.Float64()) }).batches[0]!;
    const bytes = await encodeParquet([part(0, 50), part(50, 70)], 'two-groups.parquet');
    const second = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).row_groups[1]!.columns[0]!.meta_data!;
    const damaged = bytes.slice();
    damaged.fill(0xff, Number(second.dictionary_page_offset ?? second.data_page_offset), Number(second.data_page_offset) + 16);
    const source = await openParquetBytes(damaged, 'damaged.parquet');
    expect(source.rowGroupRows).toEqual([50, 70]);
    const batches = source.batches();
    expect((await batches.next()).value?.numRows).toBe(50);
    await expect(batches.next()).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('damaged.parquet') });
  });

  it('opens a Node Buffer (what fs.readFile gives) as well as a Uint8Array, for a file another writer made', async () => {
    const file = await numbersFile(1200);
    const source = await openParquetBytes(await readFile(file), 'buffer.parquet');
    try {
      const rows = [];
      for await (const batch of source.batches({ columns: ['s', 'i'] })) rows.push(...batch.toArray().map((r) => r.toJSON()));
      expect(rows).toHaveLength(1200);
      expect(rows[5]).toEqual({ s: 'row 5', i: -95 });
    } finally {
      await source.close();
    }
  });

  it('names the file and the column it lacks, and fails with CORRUPT naming a file that is not Parquet', async () => {
    const file = await numbersFile(10);
    const source = await openParquetFile(file, { name: '/Volumes/c/s/v/numbers.parquet' });
    try {
      await expect(source.batches({ columns: ['nope'] }).next()).rejects.toThrow(/Parquet file \/Volumes\/c\/s\/v\/numbers\.parquet has no column "nope"/);
    } finally {
      await source.close();
    }
    const junk = join(await tempDir(), 'junk.parquet');
    await writeFile(junk, 'not parquet at all');
    await expect(openParquetFile(junk)).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('junk.parquet') });
    await expect(openParquetFile(join(await tempDir(), 'missing.parquet'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
