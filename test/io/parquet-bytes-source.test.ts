import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { openParquetBytes, parquetBytesSource, tableToParquet, type ParquetSource, type ParquetStreamOptions } from '../../src/io/parquet.js';
import { parquetWithRowGroups } from '../helpers/row-groups.js';

function sample(rows: number): arrow.Table {
  return new arrow.Table({
    d: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : i / 4)), new arrow.Float64()),
    i: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i - 100), new arrow.Int32()),
    at: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => 1_700_000_000_000 + i), new arrow.TimestampMillisecond('UTC')),
    s: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => `v${i % 3}`), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    t: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => `row ${i}`), new arrow.Utf8()),
  });
}

/** Everything a reader of the source sees: schema, counts, and each batch's size, types and rows. */
async function readAll(source: ParquetSource, options: ParquetStreamOptions): Promise<unknown> {
  const batches = [];
  for await (const batch of source.batches(options)) {
    batches.push({ rows: batch.numRows, types: batch.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`), values: batch.toArray().map((row) => row.toJSON()) });
  }
  await source.close();
  return { schema: source.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`), rows: source.rows, rowGroups: source.rowGroups, rowGroupRows: source.rowGroupRows, batches };
}

describe('parquetBytesSource (small files, decoded by the synchronous reader)', () => {
  const files = {
    'row groups of 300 (1,000 rows)': parquetWithRowGroups(sample(1000), 300),
    'one row group (150 rows)': tableToParquet(sample(150)),
  };
  const cases: [string, ParquetStreamOptions][] = [
    ['every column, batches of 128 (across row-group ends)', { batchSize: 128 }],
    ['numbers only, copied out of wasm memory', { columns: ['d', 'i', 'at'], batchSize: 1000 }],
    ['strings and a dictionary, through IPC', { columns: ['t', 's'], batchSize: 64 }],
    ['only the first rows of one row group', { columns: ['d', 'i'], batchSize: 100, only: { group: 0, rows: 70 } }],
  ];
  for (const [fileName, bytes] of Object.entries(files)) {
    for (const [label, options] of cases) {
      it(`${fileName}, ${label}: the same schema, counts and batches as the streaming reader`, async () => {
        const expected = await readAll(await openParquetBytes(bytes, 'f.parquet'), options);
        expect(await readAll(parquetBytesSource(bytes, 'f.parquet'), options)).toEqual(expected);
        expect((expected as { batches: unknown[] }).batches.length).toBeGreaterThan(0);
      });
    }
  }

  it('names the file and a column it lacks, and fails with CORRUPT naming bytes that are not Parquet', async () => {
    const source = parquetBytesSource(tableToParquet(sample(5)), '/Volumes/c/s/v/small.parquet');
    await expect(source.batches({ columns: ['nope'] }).next()).rejects.toThrow(/Parquet file \/Volumes\/c\/s\/v\/small\.parquet has no column "nope"/);
    expect(() => parquetBytesSource(new TextEncoder().encode('not parquet at all'), 'junk.parquet')).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringContaining('junk.parquet') }));
  });
});
