import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { tableToParquet } from '../../../src/io/parquet.js';
import { encodeParquet } from '../../../src/io/parquet-writer.js';
import { listDataFiles, readIngested } from '../../../src/stages/ingest/read.js';
import { RowBuffer } from '../../../src/stages/ingest/rows.js';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const OUTPUT = '/Volumes/c/s/v/ingested';

/** A part as this version writes it. */
async function part(file: string, lengths: number[], rescued?: string): Promise<Uint8Array> {
  const rows = new RowBuffer(IRIS_SCHEMA, 100);
  for (const length of lengths) {
    for (let k = 0; k < 4; k++) rows.setDouble(k, length);
    rows.setAllowedIndex(4, 0);
    if (rescued) rows.setRescued(rescued);
    rows.commit();
  }
  return encodeParquet([rows.toRecordBatch(file, 42)], 'part');
}

/** A file as the first release wrote it (parquet-wasm, plain strings, no _rescued_data). */
function firstReleaseFile(file: string, length: number): Uint8Array {
  return tableToParquet(
    new arrow.Table({
      sepal_length: arrow.vectorFromArray([length], new arrow.Float64()),
      sepal_width: arrow.vectorFromArray([length], new arrow.Float64()),
      petal_length: arrow.vectorFromArray([length], new arrow.Float64()),
      petal_width: arrow.vectorFromArray([length], new arrow.Float64()),
      species: arrow.vectorFromArray(['setosa'], new arrow.Utf8()),
      _source_file: arrow.vectorFromArray([file], new arrow.Utf8()),
      _ingested_at: arrow.vectorFromArray([7], new arrow.TimestampMillisecond('UTC')),
    }),
  );
}

describe('readIngested', () => {
  it('reads every Parquet file below the folder (all partitions), in path order, skipping _ and . names', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await volumes.write(`${OUTPUT}/ingest_date=2026-01-02/b.k.part-00000.parquet`, await part('b.csv', [3], '{"note":"x"}'));
    await volumes.write(`${OUTPUT}/ingest_date=2026-01-01/a.k.part-00000.parquet`, await part('a.csv', [1, 2]));
    await volumes.write(`${OUTPUT}/ingest_date=2026-01-01/a.k.part-00001.parquet`, await part('a.csv', [0]));
    await volumes.write(`${OUTPUT}/_staging/x.parquet`, await part('x.csv', [9]));
    await volumes.write(`${OUTPUT}/.hidden.parquet`, await part('x.csv', [9]));
    await volumes.write(`${OUTPUT}/notes.txt`, 'not data');
    expect(await listDataFiles(volumes, OUTPUT)).toEqual([
      `${OUTPUT}/ingest_date=2026-01-01/a.k.part-00000.parquet`,
      `${OUTPUT}/ingest_date=2026-01-01/a.k.part-00001.parquet`,
      `${OUTPUT}/ingest_date=2026-01-02/b.k.part-00000.parquet`,
    ]);
    const table = await readIngested(volumes, OUTPUT);
    expect(table.numRows).toBe(4);
    expect(Array.from(table.getChild('sepal_length')!.toArray() as Float64Array)).toEqual([1, 2, 0, 3]);
    expect(String(table.schema.fields.find((field) => field.name === 'species')?.type)).toBe('Utf8');
    expect([...table.getChild('_source_file')!]).toEqual(['a.csv', 'a.csv', 'a.csv', 'b.csv']);
    expect([...table.getChild('_rescued_data')!]).toEqual([null, null, null, '{"note":"x"}']);
  });

  it('reads files of the first release together with new ones, as one dataset', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await volumes.write(`${OUTPUT}/iris_part_001.0123456789abcdef.parquet`, firstReleaseFile('iris_part_001.csv', 5));
    await volumes.write(`${OUTPUT}/ingest_date=2026-01-01/new.k.part-00000.parquet`, await part('new.csv', [6]));
    const table = await readIngested(volumes, OUTPUT);
    expect(table.toArray().map((row) => [row.sepal_length, row.species, row._source_file, row._rescued_data])).toEqual([
      [6, 'setosa', 'new.csv', null],
      [5, 'setosa', 'iris_part_001.csv', null],
    ]);
  });

  it('gives an empty table with the ingested columns when the folder holds no Parquet', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await volumes.mkdirs(OUTPUT);
    const table = await readIngested(volumes, OUTPUT);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((field) => field.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species', '_rescued_data', '_source_file', '_ingested_at']);
  });

  it('says to run ingestion first when the folder is missing', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await expect(readIngested(volumes, OUTPUT)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/No ingested data at \/Volumes\/c\/s\/v\/ingested.*data_ingestion_job/),
    });
  });

  it('rejects a file whose columns differ from the others, naming it', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await volumes.write(`${OUTPUT}/a.parquet`, await part('a.csv', [1]));
    await volumes.write(`${OUTPUT}/b.parquet`, tableToParquet(new arrow.Table({ other: arrow.vectorFromArray([1]) })));
    await expect(readIngested(volumes, OUTPUT)).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining(`${OUTPUT}/b.parquet has columns [other: Float64, _rescued_data: Utf8]`),
    });
  });
});
