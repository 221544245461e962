import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { tableToParquet } from '../../../src/io/parquet.js';
import { buildIngestedTable } from '../../../src/stages/ingest/output.js';
import { readIngested } from '../../../src/stages/ingest/read.js';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const OUTPUT = '/Volumes/c/s/v/ingested';

function ingestedBytes(file: string, lengths: number[]): Uint8Array {
  const table = buildIngestedTable(
    IRIS_SCHEMA,
    { file, rows: lengths.length, columns: [lengths, lengths, lengths, lengths, lengths.map(() => 'setosa')], quarantined: [] },
    42,
  );
  return tableToParquet(table);
}

describe('readIngested', () => {
  it('reads every Parquet file below the folder, in path order, into one table', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await volumes.write(`${OUTPUT}/b.0000000000000000.parquet`, ingestedBytes('b.csv', [3]));
    await volumes.write(`${OUTPUT}/a.0000000000000000.parquet`, ingestedBytes('a.csv', [1, 2]));
    await volumes.write(`${OUTPUT}/2024/c.0000000000000000.parquet`, ingestedBytes('2024/c.csv', [0]));
    await volumes.write(`${OUTPUT}/notes.txt`, 'not data');
    const table = await readIngested(volumes, OUTPUT);
    expect(table.numRows).toBe(4);
    expect(table.getChild('_source_file')?.toArray()).toEqual(['2024/c.csv', 'a.csv', 'a.csv', 'b.csv']);
    expect(Array.from(table.getChild('sepal_length')?.toArray() as Float64Array)).toEqual([0, 1, 2, 3]);
  });

  it('gives an empty table with the ingested columns when the folder holds no Parquet', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await volumes.mkdirs(OUTPUT);
    const table = await readIngested(volumes, OUTPUT);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((field) => field.name)).toEqual([
      'sepal_length',
      'sepal_width',
      'petal_length',
      'petal_width',
      'species',
      '_source_file',
      '_ingested_at',
    ]);
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
    await volumes.write(`${OUTPUT}/a.parquet`, ingestedBytes('a.csv', [1]));
    await volumes.write(`${OUTPUT}/b.parquet`, tableToParquet(new arrow.Table({ other: arrow.vectorFromArray([1]) })));
    await expect(readIngested(volumes, OUTPUT)).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining(`${OUTPUT}/b.parquet has columns [other: Float64]`),
    });
  });
});
