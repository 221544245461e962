import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parquetToTable } from '../../../src/io/parquet.js';
import { encodeParquet } from '../../../src/io/parquet-writer.js';
import { PartSeries, ROW_GROUP_ROWS } from '../../../src/stages/ingest/parts.js';
import { RowBuffer } from '../../../src/stages/ingest/rows.js';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

function irisRows(count: number): RowBuffer {
  const rows = new RowBuffer(IRIS_SCHEMA, count);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < 4; k++) rows.setDouble(k, (i % 80) / 10);
    rows.setAllowedIndex(4, i % 3);
    rows.commit();
  }
  return rows;
}

describe('encodeParquet', () => {
  it('writes a row group per batch (256Ki rows each from a RowBuffer), read alike by parquet-wasm, hyparquet and DuckDB', async () => {
    const rows = irisRows(300_000);
    const bytes = await encodeParquet(rows.toRecordBatches('abfss://c@a.dfs.core.windows.net/x.csv', 1_000, ROW_GROUP_ROWS), 'x.parquet');
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(parquetMetadata(buffer).row_groups.map((group) => Number(group.num_rows))).toEqual([262_144, 37_856]);

    const table = parquetToTable(bytes);
    expect(table.numRows).toBe(300_000);
    expect(table.get(299_999)?.toJSON()).toMatchObject({ sepal_length: 7.9, species: 'virginica', _source_file: 'abfss://c@a.dfs.core.windows.net/x.csv' });
    const last = await parquetReadObjects({ file: buffer, rowStart: 299_998, rowEnd: 300_000 });
    expect(last.map((row) => [row.petal_width, row.species])).toEqual([
      [7.8, 'versicolor'],
      [7.9, 'virginica'],
    ]);

    const dir = await tempDir();
    const volumes = new LocalVolumeStore({ root: dir });
    await volumes.write('/Volumes/c/s/v/x.parquet', bytes);
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT species)::INTEGER AS classes, max(_ingested_at)::VARCHAR AS at FROM read_parquet('${path.join(dir, 'Volumes/c/s/v/x.parquet')}')`,
    );
    expect(reader.getRowObjects()).toEqual([{ n: 300_000, classes: 3, at: '1970-01-01 00:00:01+00' }]);
    connection.closeSync();
  });
});

describe('PartSeries', () => {
  it('writes numbered parts in one folder and reports each after it is durable', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    const written: string[] = [];
    const parts = new PartSeries(volumes, '/Volumes/c/s/v/ingested/ingest_date=2026-01-01', 'x.0123456789abcdef', {}, (path) => void written.push(path));
    await parts.write([irisRows(2).toRecordBatch('x', 0)]);
    await parts.write([irisRows(1).toRecordBatch('x', 0)]);
    expect(parts.files).toEqual([
      '/Volumes/c/s/v/ingested/ingest_date=2026-01-01/x.0123456789abcdef.part-00000.parquet',
      '/Volumes/c/s/v/ingested/ingest_date=2026-01-01/x.0123456789abcdef.part-00001.parquet',
    ]);
    expect(written).toEqual(parts.files);
    expect(parquetToTable(await volumes.read(parts.files[1]!)).numRows).toBe(1);
  });
});
