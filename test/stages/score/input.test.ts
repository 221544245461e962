import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkFeatures, openScoreInput } from '../../../src/stages/score/input.js';
import { DatabricksVolumeStore } from '../../../src/workspace/databricks/volumes.js';
import { LocalTableStore } from '../../../src/workspace/local/tables.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import type { VolumeStore } from '../../../src/workspace/types.js';
import { patClient, useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import { parquetWithRowGroups, rowGroupExtents } from '../../helpers/row-groups.js';
import { IRIS_FEATURES, writeInput } from '../../helpers/scoring-model.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { rangedOnly } from '../../helpers/ranged-volumes.js';

const tempDir = useTempDirs();
const startFake = useFakeDatabricks();
const columns = (rows: number, start = 0) => IRIS_FEATURES.map((_, j) => Float64Array.from({ length: rows }, (_, r) => start + r + j / 10));

async function stores(dir: string) {
  return { volumes: new LocalVolumeStore({ root: join(dir, 'ws') }), tables: new LocalTableStore({ root: join(dir, 'ws') }) };
}

async function drain(input: Awaited<ReturnType<typeof openScoreInput>>): Promise<{ rows: number[]; origins: string[] }> {
  const rows: number[] = [];
  const origins: string[] = [];
  for await (const { batch, origin } of input.batches()) {
    rows.push(...(batch.getChild('sepal_length')!.toArray() as Float64Array));
    origins.push(`${origin.source}@${origin.firstRow}`);
  }
  return { rows, origins };
}

describe('openScoreInput', () => {
  it('finds *.parquet below a folder in path order, skipping hidden and _-prefixed names, and reads only the features', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'in');
    await mkdir(join(folder, 'd=2'), { recursive: true });
    await mkdir(join(folder, '_temporary'), { recursive: true });
    await writeInput(join(folder, 'd=2', 'b.parquet'), columns(3, 100), { species: arrow.vectorFromArray(['x', 'y', 'z'], new arrow.Utf8()) });
    await writeInput(join(folder, 'a.parquet'), columns(5));
    await writeInput(join(folder, '_temporary', 'c.parquet'), columns(1, 999));
    await writeInput(join(folder, '.hidden.parquet'), columns(1, 999));
    await writeFile(join(folder, 'notes.txt'), 'not parquet');
    const input = await openScoreInput({ kind: 'path', path: 'in' }, { featureNames: IRIS_FEATURES, batchSize: 2, ...(await stores(dir)), baseDir: dir });
    expect(input).toMatchObject({ location: 'in', rows: 8, files: 2 });
    const { rows, origins } = await drain(input);
    expect(rows).toEqual([0, 1, 2, 3, 4, 100, 101, 102]);
    expect(origins).toEqual(['in/a.parquet@0', 'in/a.parquet@2', 'in/a.parquet@4', 'in/d=2/b.parquet@0', 'in/d=2/b.parquet@2']);
  });

  it('says input_path does not exist, naming it', async () => {
    const dir = await tempDir();
    await expect(openScoreInput({ kind: 'path', path: '/Volumes/c/s/v/nothing' }, { featureNames: IRIS_FEATURES, batchSize: 10, ...(await stores(dir)), baseDir: dir })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('input_path /Volumes/c/s/v/nothing does not exist'),
    });
  });

  it('reads a table in batches of batch_size, after checking its schema', async () => {
    const dir = await tempDir();
    const { volumes, tables } = await stores(dir);
    const table = new arrow.Table(Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, arrow.makeVector(columns(5)[j]!)])));
    await tables.write('c.s.t', table.batches, { mode: 'overwrite' });
    const input = await openScoreInput({ kind: 'table', name: 'c.s.t' }, { featureNames: IRIS_FEATURES, batchSize: 2, volumes, tables, baseDir: dir });
    const { rows, origins } = await drain(input);
    expect(rows).toEqual([0, 1, 2, 3, 4]);
    expect(origins).toEqual(['table c.s.t@0', 'table c.s.t@2', 'table c.s.t@4']);
    await expect(openScoreInput({ kind: 'table', name: 'c.s.t' }, { featureNames: ['nope'], batchSize: 2, volumes, tables, baseDir: dir })).rejects.toThrow(/table c\.s\.t: feature column "nope" is missing/);
  });
});


/** 5,000 rows in row groups of 1,000, with a string column that scoring never reads. */
function bigInput(): Uint8Array {
  const vectors = Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, arrow.makeVector(columns(5000)[j]!)]));
  const species = arrow.vectorFromArray(Array.from({ length: 5000 }, (_, i) => `species-${i % 7}`), new arrow.Utf8());
  return parquetWithRowGroups(new arrow.Table({ ...vectors, species }), 1000);
}

describe('openScoreInput on a volume of another backend (ranged reads)', () => {
  const V = '/Volumes/c/s/v/in';

  it('checks every footer first, then streams row group by row group: each byte read about once, never a whole file', async () => {
    const dir = await tempDir();
    const local = new LocalVolumeStore({ root: join(dir, 'ws') });
    const big = bigInput();
    await local.write(`${V}/big.parquet`, big);
    await mkdir(local.localPath(`${V}/x=1`), { recursive: true });
    await writeInput(local.localPath(`${V}/x=1/small.parquet`), columns(3, 10_000));
    const sizes = new Map([
      [`${V}/big.parquet`, big.byteLength],
      [`${V}/x=1/small.parquet`, (await stat(local.localPath(`${V}/x=1/small.parquet`))).size],
    ]);
    const groups = rowGroupExtents(big);
    expect(groups).toHaveLength(5);
    const { volumes, wholeReads, rangeReads } = rangedOnly(local);

    const input = await openScoreInput({ kind: 'path', path: V }, { featureNames: IRIS_FEATURES, batchSize: 800, volumes, tables: new LocalTableStore({ root: join(dir, 'ws') }), baseDir: dir });
    expect(input).toMatchObject({ rows: 5003, files: 2, readerThreads: 0 });
    // Opening read the leading magic bytes and the footers only: nothing of big.parquet's row groups yet.
    const footers = rangeReads.filter((read) => read.path === `${V}/big.parquet`);
    expect(footers.length).toBeGreaterThan(0);
    for (const read of footers) expect(read.start >= groups.at(-1)!.end || (read.start === 0 && read.end === 4)).toBe(true);

    const { rows, origins } = await drain(input);
    expect(rows).toEqual([...Array.from({ length: 5000 }, (_, i) => i), 10_000, 10_001, 10_002]);
    expect(origins.slice(0, 2)).toEqual([`${V}/big.parquet@0`, `${V}/big.parquet@800`]);
    expect(origins.at(-1)).toBe(`${V}/x=1/small.parquet@0`);
    expect(wholeReads).toEqual([]);
    for (const [path, size] of sizes) {
      const reads = rangeReads.filter((read) => read.path === path);
      expect(reads.reduce((sum, read) => sum + read.bytes, 0)).toBeLessThanOrEqual(1.1 * size);
      for (const read of reads) expect(read.bytes).toBeLessThan(size);
    }
    // Each read of big.parquet's data lies within one row group: memory is about a row group, not a file.
    for (const read of rangeReads.filter((r) => r.path === `${V}/big.parquet` && r.start >= 4 && r.start < groups.at(-1)!.end)) {
      expect(groups.some((group) => read.start >= group.start && read.end <= group.end)).toBe(true);
    }
  });

  it('fails on a bad footer before reading any row group, naming the file', async () => {
    const dir = await tempDir();
    const local = new LocalVolumeStore({ root: join(dir, 'ws') });
    const big = bigInput();
    await local.write(`${V}/a.parquet`, big);
    await local.write(`${V}/b.parquet`, 'not parquet');
    const { volumes, rangeReads } = rangedOnly(local);
    const open = openScoreInput({ kind: 'path', path: V }, { featureNames: IRIS_FEATURES, batchSize: 800, volumes, tables: new LocalTableStore({ root: join(dir, 'ws') }), baseDir: dir });
    await expect(open).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining(`${V}/b.parquet`) });
    const dataEnd = rowGroupExtents(big).at(-1)!.end;
    const readsOfA = rangeReads.filter((r) => r.path === `${V}/a.parquet`);
    expect(readsOfA.length).toBeGreaterThan(0);
    for (const read of readsOfA) expect(read.start >= dataEnd || (read.start === 0 && read.end === 4)).toBe(true);
    const missing = openScoreInput({ kind: 'path', path: V }, { featureNames: [...IRIS_FEATURES, 'nope'], batchSize: 800, volumes, tables: new LocalTableStore({ root: join(dir, 'ws') }), baseDir: dir });
    await expect(missing).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringContaining(`${V}/a.parquet: feature column "nope" is missing`) });
  });

  it('on Databricks (the fake workspace), streams by GETs with a Range header, each file read about once', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    const volumes = new DatabricksVolumeStore({ client, storage });
    const big = bigInput();
    await volumes.write(`${V}/big.parquet`, big);
    fake.requests.length = 0;
    const dir = await tempDir();
    const input = await openScoreInput({ kind: 'path', path: V }, { featureNames: IRIS_FEATURES, batchSize: 1000, volumes, tables: new LocalTableStore({ root: join(dir, 'ws') }), baseDir: dir });
    const { rows } = await drain(input);
    expect(rows).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    const gets = fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/2.0/fs/files/'));
    expect(gets.length).toBeGreaterThanOrEqual(5);
    for (const get of gets) expect(get.headers.range).toMatch(/^bytes=\d+-\d+$/);
    const served = gets.reduce((sum, get) => {
      const [, first, last] = /^bytes=(\d+)-(\d+)$/.exec(get.headers.range!)!;
      return sum + Math.min(Number(last), big.byteLength - 1) - Number(first) + 1;
    }, 0);
    expect(served).toBeLessThanOrEqual(1.1 * big.byteLength);
  });
});

describe('checkFeatures', () => {
  it('accepts every float and integer type, refuses others naming the column and the type', () => {
    const schema = new arrow.Schema([new arrow.Field('a', new arrow.Float32()), new arrow.Field('b', new arrow.Int8()), new arrow.Field('c', new arrow.Bool())]);
    expect(() => checkFeatures(schema, ['a', 'b'], 'f.parquet')).not.toThrow();
    expect(() => checkFeatures(schema, ['c'], 'f.parquet')).toThrow(/f\.parquet: feature column "c" must be numeric .* found Bool/);
  });
});
