import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkFeatures, openScoreInput } from '../../../src/stages/score/input.js';
import { LocalTableStore } from '../../../src/workspace/local/tables.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import { IRIS_FEATURES, writeInput } from '../../helpers/scoring-model.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
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

describe('checkFeatures', () => {
  it('accepts every float and integer type, refuses others naming the column and the type', () => {
    const schema = new arrow.Schema([new arrow.Field('a', new arrow.Float32()), new arrow.Field('b', new arrow.Int8()), new arrow.Field('c', new arrow.Bool())]);
    expect(() => checkFeatures(schema, ['a', 'b'], 'f.parquet')).not.toThrow();
    expect(() => checkFeatures(schema, ['c'], 'f.parquet')).toThrow(/f\.parquet: feature column "c" must be numeric .* found Bool/);
  });
});
