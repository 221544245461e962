import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { describe, expect, it } from 'vitest';
import { parquetToTable } from '../../src/io/parquet.js';
import {
  encodeHybrid,
  encodeParquetFooter,
  encodeRowGroup,
  PARQUET_MAGIC,
  type ParquetCodec,
  type ParquetColumnSpec,
  type ParquetColumnValues,
  type PlacedRowGroup,
} from '../../src/io/parquet-encode.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const encoder = new TextEncoder();

function utf8(values: string[]): { offsets: Int32Array; data: Uint8Array } {
  const bytes = values.map((value) => encoder.encode(value));
  const offsets = new Int32Array(values.length + 1);
  bytes.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
  const data = new Uint8Array(offsets[values.length]!);
  bytes.forEach((b, i) => data.set(b, offsets[i]!));
  return { offsets, data };
}

/** Validity bitmap with `nullRows` cleared. */
function validity(rows: number, nullRows: number[]): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(rows / 8)).fill(0xff);
  for (const row of nullRows) bitmap[row >> 3]! &= ~(1 << (row & 7));
  return bitmap;
}

const SPECS: ParquetColumnSpec[] = [
  { name: 'x', kind: 'double', nullable: false },
  { name: 'p', kind: 'double', nullable: true },
  { name: 'f', kind: 'float', nullable: false },
  { name: 'i', kind: 'int32', nullable: true },
  { name: 'l', kind: 'int64', nullable: false },
  { name: 'ts', kind: 'timestamp-millis', nullable: false, utc: true },
  { name: 'local_at', kind: 'timestamp-micros', nullable: false, utc: false },
  { name: 'label', kind: 'string', nullable: true },
  { name: 'text', kind: 'string', nullable: true },
];
const LABELS = ['setosa', 'versicolor', 'virginica'];

/** Row r of the group starting at `first`: every column derives from the global row number. */
function groupColumns(rows: number, first: number): ParquetColumnValues[] {
  const at = (r: number) => first + r;
  const nulls = Array.from({ length: rows }, (_, r) => r).filter((r) => at(r) % 7 === 3);
  return [
    { layout: 'fixed', values: Float64Array.from({ length: rows }, (_, r) => at(r) + 0.25) },
    { layout: 'fixed', values: Float64Array.from({ length: rows }, (_, r) => at(r) / 1000), validity: validity(rows, nulls) },
    { layout: 'fixed', values: Float32Array.from({ length: rows }, (_, r) => at(r) / 8) },
    { layout: 'fixed', values: Int32Array.from({ length: rows }, (_, r) => at(r) - 50), validity: validity(rows, nulls) },
    { layout: 'fixed', values: BigInt64Array.from({ length: rows }, (_, r) => BigInt(at(r)) * 10_000_000_000n - 5n) },
    { layout: 'fixed', values: BigInt64Array.from({ length: rows }, (_, r) => 1_750_000_000_000n + BigInt(at(r))) },
    { layout: 'fixed', values: BigInt64Array.from({ length: rows }, (_, r) => 1_750_000_000_000_000n + BigInt(at(r))) },
    { layout: 'dictionary', indices: Int32Array.from({ length: rows }, (_, r) => at(r) % 3), dictionary: utf8(LABELS), validity: validity(rows, nulls) },
    { layout: 'utf8', ...utf8(Array.from({ length: rows }, (_, r) => `row ${at(r)} é`)), validity: validity(rows, nulls) },
  ];
}

async function writeFileOf(groupSizes: number[], codec: ParquetCodec): Promise<string> {
  const parts: Uint8Array[] = [PARQUET_MAGIC];
  const placed: PlacedRowGroup[] = [];
  let offset = PARQUET_MAGIC.length;
  let first = 0;
  for (const rows of groupSizes) {
    const group = encodeRowGroup(SPECS, groupColumns(rows, first), rows, codec);
    parts.push(group.bytes.subarray(0, group.length));
    placed.push({ fileOffset: offset, rows, columns: group.columns });
    offset += group.length;
    first += rows;
  }
  parts.push(encodeParquetFooter(SPECS, placed));
  const file = join(await tempDir(), 'encoded.parquet');
  await writeFile(file, Buffer.concat(parts));
  return file;
}

function expectedRow(row: number): Record<string, unknown> {
  const isNull = row % 7 === 3;
  return {
    x: row + 0.25,
    p: isNull ? null : row / 1000,
    f: Math.fround(row / 8),
    i: isNull ? null : row - 50,
    l: BigInt(row) * 10_000_000_000n - 5n,
    label: isNull ? null : LABELS[row % 3],
    text: isNull ? null : `row ${row} é`,
  };
}

describe('encodeRowGroup + encodeParquetFooter', () => {
  for (const codec of ['snappy', 'none'] as const) {
    it(`writes files that hyparquet reads back value for value (${codec}, several row groups, nulls, dictionary and plain strings)`, async () => {
      const file = await writeFileOf([1000, 37, 5000], codec);
      const bytes = await readFile(file);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const rows = await parquetReadObjects({ file: buffer });
      expect(rows).toHaveLength(6037);
      for (const row of [0, 3, 999, 1000, 1036, 1037, 6036]) {
        expect(rows[row]).toMatchObject(expectedRow(row));
        expect((rows[row]!.ts as Date).getTime()).toBe(1_750_000_000_000 + row);
      }
      const metadata = parquetMetadata(buffer);
      expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([1000, 37, 5000]);
      expect(metadata.schema.find((s) => s.name === 'label')?.converted_type).toBe('UTF8');
      expect(metadata.row_groups[0]!.columns[0]!.meta_data?.codec).toBe(codec === 'snappy' ? 'SNAPPY' : 'UNCOMPRESSED');
    });
  }

  it('is read by parquet-wasm with the Arrow types the columns stand for', async () => {
    const table = parquetToTable(await readFile(await writeFileOf([300, 200], 'snappy')));
    expect(table.numRows).toBe(500);
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({ x: 'Float64', f: 'Float32', i: 'Int32', l: 'Int64', ts: 'Timestamp<MILLISECOND, UTC>', local_at: 'Timestamp<MICROSECOND>', label: 'Utf8' });
    expect(table.schema.fields.find((f) => f.name === 'x')!.nullable).toBe(false);
    expect(table.schema.fields.find((f) => f.name === 'p')!.nullable).toBe(true);
    expect(table.get(499)!.toJSON()).toMatchObject({ x: 499.25, label: LABELS[499 % 3], text: 'row 499 é' });
    expect(table.getChild('p')!.get(3)).toBeNull();
  });

  it('is read by DuckDB, with the statistics and null counts it reads from the footer', async () => {
    const file = await writeFileOf([1000, 37], 'snappy');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const totals = (await connection.runAndReadAll(`SELECT count(*) AS n, sum(x) AS sx, count(p) AS np, count(label) AS nl, min(ts) AS first_ts, max(l) AS max_l FROM '${file}'`)).getRowObjectsJS()[0]!;
      expect(totals).toMatchObject({ n: 1037n, np: 1037n - 148n, nl: 1037n - 148n, max_l: 1036n * 10_000_000_000n - 5n });
      expect(totals.sx).toBeCloseTo((1036 * 1037) / 2 + 0.25 * 1037, 6);
      const stats = (
        await connection.runAndReadAll(`SELECT path_in_schema AS name, stats_min_value AS min, stats_max_value AS max, stats_null_count AS nulls FROM parquet_metadata('${file}') WHERE row_group_id = 0`)
      ).getRowObjectsJS();
      const byName = Object.fromEntries(stats.map((s) => [s.name, s]));
      expect(byName.x).toMatchObject({ min: '0.25', max: '999.25', nulls: 0n });
      // The spec's rule for a zero minimum of a floating-point column: written as -0.0.
      expect(byName.p).toMatchObject({ min: '-0.0', nulls: 143n });
      expect(byName.i).toMatchObject({ min: '-50', max: '949' });
      expect(byName.l).toMatchObject({ min: '-5', max: String(999n * 10_000_000_000n - 5n) });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('stores a column chunk uncompressed when snappy would save less than minSavings, and readers take the mix', async () => {
    let state = 5;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const rows = 50_000;
    const specs: ParquetColumnSpec[] = [
      { name: 'noise', kind: 'double', nullable: false },
      { name: 'steps', kind: 'double', nullable: false },
    ];
    const noise = Float64Array.from({ length: rows }, () => random());
    // Each value twice in a row: too many values for a dictionary, and snappy halves them.
    const steps = Float64Array.from({ length: rows }, (_, r) => Math.floor(r / 2));
    const group = encodeRowGroup(specs, [{ layout: 'fixed', values: noise }, { layout: 'fixed', values: steps }], rows, 'snappy', { minSavings: 0.3 });
    expect(group.columns.map((c) => c.codec)).toEqual([0, 1]);
    expect(group.columns[0]!.compressedSize).toBeGreaterThan(rows * 8);
    const file = join(await tempDir(), 'mixed.parquet');
    await writeFile(file, Buffer.concat([PARQUET_MAGIC, group.bytes.subarray(0, group.length), encodeParquetFooter(specs, [{ fileOffset: 4, rows, columns: group.columns }])]));
    const bytes = await readFile(file);
    const read = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(read[12_345]).toEqual({ noise: noise[12_345], steps: 6172 });
    expect(parquetToTable(bytes).getChild('noise')!.get(49_999)).toBe(noise[49_999]);
    // Always compressing (the default) keeps snappy on both.
    expect(encodeRowGroup(specs, [{ layout: 'fixed', values: noise }, { layout: 'fixed', values: steps }], rows, 'snappy').columns.map((c) => c.codec)).toEqual([1, 1]);
  });

  it('writes numeric columns with few distinct values as RLE_DICTIONARY, which hyparquet, DuckDB and parquet-wasm read back exactly', async () => {
    const rows = 20_000;
    const specs: ParquetColumnSpec[] = [
      { name: 'feature', kind: 'double', nullable: true },
      { name: 'odd', kind: 'double', nullable: false },
      { name: 'count', kind: 'int32', nullable: false },
      { name: 'ratio', kind: 'float', nullable: false },
      { name: 'scored_at', kind: 'timestamp-millis', nullable: false, utc: true },
      { name: 'noise', kind: 'double', nullable: false },
    ];
    const ODD = [0, -0, NaN, -1.5];
    const feature = Float64Array.from({ length: rows }, (_, r) => Math.round(((r * 7919) % 61) + 10) / 10);
    const nulls = Array.from({ length: rows }, (_, r) => r).filter((r) => r % 13 === 0);
    const columns: ParquetColumnValues[] = [
      { layout: 'fixed', values: feature, validity: validity(rows, nulls) },
      { layout: 'fixed', values: Float64Array.from({ length: rows }, (_, r) => ODD[r % 4]!) },
      { layout: 'fixed', values: Int32Array.from({ length: rows }, (_, r) => r % 5) },
      { layout: 'fixed', values: Float32Array.from({ length: rows }, (_, r) => (r % 3) / 4) },
      { layout: 'fixed', values: new BigInt64Array(rows).fill(1_764_115_200_000n) },
      { layout: 'fixed', values: Float64Array.from({ length: rows }, (_, r) => Math.sin(r) * 1e6) },
    ];
    const group = encodeRowGroup(specs, columns, rows, 'snappy', { minSavings: 0.3 });
    const RLE_DICTIONARY = 8;
    expect(group.columns.map((c) => c.encodings.includes(RLE_DICTIONARY))).toEqual([true, true, true, true, true, false]);
    expect(group.columns.map((c) => c.dictionaryPageOffset !== undefined)).toEqual([true, true, true, true, true, false]);
    // The constant column is a dictionary of one value and one run: a few dozen bytes for 20,000 rows.
    expect(group.columns[4]!.compressedSize).toBeLessThan(100);
    const file = join(await tempDir(), 'numeric-dictionary.parquet');
    await writeFile(file, Buffer.concat([PARQUET_MAGIC, group.bytes.subarray(0, group.length), encodeParquetFooter(specs, [{ fileOffset: 4, rows, columns: group.columns }])]));
    const bytes = await readFile(file);

    const read = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(read).toHaveLength(rows);
    for (const r of [0, 1, 2, 3, 13, 14, 4321, rows - 1]) {
      const row = read[r]!;
      expect(row.feature).toBe(r % 13 === 0 ? null : feature[r]);
      expect(Object.is(row.odd, ODD[r % 4]) || (Number.isNaN(row.odd as number) && Number.isNaN(ODD[r % 4]!))).toBe(true);
      expect(row).toMatchObject({ count: r % 5, ratio: (r % 3) / 4, noise: Math.sin(r) * 1e6 });
      expect(new Date(row.scored_at as Date).getTime()).toBe(1_764_115_200_000);
    }

    const table = parquetToTable(bytes);
    const wasmFeature = table.getChild('feature')!;
    for (let r = 0; r < rows; r++) {
      const expected = r % 13 === 0 ? null : feature[r];
      if (wasmFeature.get(r) !== expected) throw new Error(`parquet-wasm read ${wasmFeature.get(r)} at row ${r}, expected ${expected}`);
    }
    expect(Object.is(table.getChild('odd')!.get(1), -0)).toBe(true);

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const sums = (await connection.runAndReadAll(`SELECT count(feature) AS n, sum(feature) AS total, sum("count") AS counts, count(DISTINCT scored_at) AS stamps FROM '${file}'`)).getRowObjectsJS()[0]!;
      const expectedTotal = feature.reduce((sum, value, r) => (r % 13 === 0 ? sum : sum + value), 0);
      expect(sums).toMatchObject({ n: BigInt(rows - nulls.length), counts: BigInt(Array.from({ length: rows }, (_, r) => r % 5).reduce((a, b) => a + b, 0)), stamps: 1n });
      expect(sums.total).toBeCloseTo(expectedTotal, 6);
      const stats = (await connection.runAndReadAll(`SELECT path_in_schema AS name, encodings, stats_min_value AS min, stats_max_value AS max FROM parquet_metadata('${file}')`)).getRowObjectsJS();
      const byName = Object.fromEntries(stats.map((s) => [s.name, s]));
      expect(byName.feature).toMatchObject({ min: '1.0', max: '7.0' });
      expect(String(byName.feature!.encodings)).toContain('RLE_DICTIONARY');
      expect(String(byName.noise!.encodings)).not.toContain('RLE_DICTIONARY');
      expect(byName.count).toMatchObject({ min: '0', max: '4' });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('writes a valid file with no row groups: the schema and zero rows', async () => {
    const file = join(await tempDir(), 'empty.parquet');
    await writeFile(file, Buffer.concat([PARQUET_MAGIC, encodeParquetFooter(SPECS, [])]));
    const bytes = await readFile(file);
    const table = parquetToTable(bytes);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(SPECS.map((s) => s.name));
    expect(await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })).toEqual([]);
  });

  it('refuses nulls in a column declared non-nullable, naming the column', () => {
    const columns = groupColumns(10, 0);
    columns[0] = { layout: 'fixed', values: new Float64Array(10), validity: validity(10, [2]) };
    expect(() => encodeRowGroup(SPECS, columns, 10, 'snappy')).toThrow(/"x" is declared non-nullable but has 1 null/);
  });
});

describe('encodeHybrid (RLE / bit-packed)', () => {
  function decodeHybrid(bytes: Uint8Array, width: number, count: number): number[] {
    const copy = bytes.slice();
    const output = new Array<number>(count);
    readRleBitPackedHybrid({ view: new DataView(copy.buffer), offset: 0 }, width, output, count);
    return output;
  }

  /** Reads the hybrid bit by bit with BigInt: slow and obviously right, for widths hyparquet's 32-bit decoder cannot take (> 24). */
  function referenceDecode(bytes: Uint8Array, width: number, count: number): number[] {
    const out: number[] = [];
    let at = 0;
    const varint = () => {
      let value = 0;
      let shift = 0;
      for (;;) {
        const byte = bytes[at++]!;
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
        shift += 7;
      }
    };
    while (out.length < count) {
      const header = varint();
      if (header % 2 === 0) {
        let value = 0;
        for (let b = 0; b < Math.ceil(width / 8); b++) value += bytes[at++]! * 2 ** (8 * b);
        for (let i = 0; i < header / 2; i++) out.push(value);
      } else {
        const values = ((header - 1) / 2) * 8;
        let bits = 0n;
        const byteCount = (values * width) / 8;
        for (let b = 0; b < byteCount; b++) bits |= BigInt(bytes[at + b]!) << BigInt(8 * b);
        at += byteCount;
        for (let i = 0; i < values; i++) out.push(Number((bits >> BigInt(i * width)) & ((1n << BigInt(width)) - 1n)));
      }
    }
    return out.slice(0, count);
  }

  it('round-trips runs, mixed values and every width from 1 to 31 bits (hyparquet’s decoder up to 24 bits, a BigInt reference above)', () => {
    let state = 9;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (const width of [1, 2, 3, 8, 9, 16, 17, 24, 25, 31]) {
      const max = 2 ** width;
      const values: number[] = [];
      // Long runs, short runs, random stretches, and a tail that is not a multiple of 8.
      for (let block = 0; block < 40; block++) {
        const kind = block % 3;
        const length = 1 + Math.floor(random() * 700);
        const value = Math.floor(random() * max);
        for (let i = 0; i < length; i++) values.push(kind === 0 ? value : kind === 1 ? Math.floor(random() * max) : (value + (i >> 3)) % max);
      }
      values.push(...[1, 2, 3].map((value) => value % max));
      const encoded = encodeHybrid(Int32Array.from(values), values.length, width);
      const decoded = width <= 24 ? decodeHybrid(encoded, width, values.length) : referenceDecode(encoded, width, values.length);
      expect(decoded, `width ${width}`).toEqual(values);
    }
  });

  it('turns a constant column into a single RLE run of a few bytes', () => {
    const encoded = encodeHybrid(new Int32Array(1_000_000), 1_000_000, 1);
    expect(encoded.length).toBeLessThan(6);
  });
});
