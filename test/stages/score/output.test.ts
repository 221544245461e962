import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { inThreadEncoder } from '../../../src/io/parquet-writer.js';
import { ParquetOutput } from '../../../src/stages/score/output.js';
import { stageLocalOutput } from '../../../src/stages/score/output-files.js';
import { readParquetFile, readParquetFolder } from '../../helpers/read-parquet.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 0);
const labels = arrow.vectorFromArray(['a', 'b', 'c', 'd'], new arrow.Utf8());
const schema = new arrow.Schema([new arrow.Field('x', new arrow.Float64(), false), new arrow.Field('label', type, false)]);

function batch(first: number, rows: number, labelOf: (row: number) => number = (row) => row % 2): arrow.RecordBatch {
  const children = [
    arrow.makeData({ type: new arrow.Float64(), length: rows, nullCount: 0, data: Float64Array.from({ length: rows }, (_, r) => first + r) }),
    arrow.makeData({ type, length: rows, nullCount: 0, data: Int32Array.from({ length: rows }, (_, r) => labelOf(first + r)), dictionary: labels }),
  ];
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }));
}

async function output(target: string, options: Partial<ConstructorParameters<typeof ParquetOutput>[1]> = {}): Promise<ParquetOutput> {
  const layout = target.endsWith('.parquet') ? 'file' : 'folder';
  const files = await stageLocalOutput(target, { layout, mode: 'overwrite' });
  return new ParquetOutput(files, { schema, encoder: inThreadEncoder, compression: 'snappy', layout, runId: 'run1', ...options });
}

describe('ParquetOutput', () => {
  it('names part files like Spark and starts a new one after maxRowsPerFile', async () => {
    const target = join(await tempDir(), 'out');
    const out = await output(target, { maxRowsPerFile: 100 });
    for (let i = 0; i < 5; i++) await out.write(batch(i * 60, 60));
    expect(await out.commit()).toEqual({ rows: 300, files: 3 });
    expect((await readdir(target)).sort()).toEqual(['part-00000-run1.snappy.parquet', 'part-00001-run1.snappy.parquet', 'part-00002-run1.snappy.parquet']);
    const rows = await readParquetFolder(target);
    expect(rows.map((r) => r.x)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('refuses a partition column with more distinct values than maxPartitions', async () => {
    const out = await output(join(await tempDir(), 'out'), { partitionBy: 'label', maxPartitions: 3 });
    await out.write(batch(0, 3, (row) => row));
    await expect(out.write(batch(3, 1, () => 3))).rejects.toThrow(/more than 3 partitions/);
    await out.abort();
  });

  it('refuses a partition column the predictions do not have, before writing anything', async () => {
    await expect(output(join(await tempDir(), 'out'), { partitionBy: 'species' })).rejects.toThrow(/partition_by "species" is not a column of the predictions \(x, label\)/);
  });

  it('commits a file with the schema and no rows when nothing was written', async () => {
    const target = join(await tempDir(), 'p.parquet');
    const out = await output(target);
    expect(await out.commit()).toEqual({ rows: 0, files: 1 });
    expect(await readParquetFile(target)).toEqual([]);
  });
});
