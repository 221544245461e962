import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { tableToParquet } from '../../../src/io/parquet.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import { readIngested } from '../../../src/stages/ingest/read.js';
import { readParquetFile } from '../../helpers/read-parquet.js';
import { ingestSetup, IRIS_HEADER, listTree } from '../../helpers/ingest-workspace.js';
import type { IngestSetup } from '../../helpers/ingest-workspace.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

const GOOD_PARQUET = tableToParquet(
  new arrow.Table({
    sepal_length: arrow.vectorFromArray([6.1], new arrow.Float64()),
    sepal_width: arrow.vectorFromArray([2.8], new arrow.Float64()),
    petal_length: arrow.vectorFromArray([4.7], new arrow.Float64()),
    petal_width: arrow.vectorFromArray([1.2], new arrow.Float64()),
    species: arrow.vectorFromArray(['versicolor'], new arrow.Utf8()),
  }),
);

/** Messy landing files, each with the outcome it must have. */
const MESSY: Record<string, string | Uint8Array> = {
  // BOM, CRLF line ends, spaces around values, quoted values and a quoted header name.
  'bom_crlf.csv': `\uFEFF${IRIS_HEADER.replace('species', '"species"')}\r\n 5.1 ,3.5,1.4,0.2,"setosa"\r\n4.9,3.0,1.4,0.2,setosa\r\n`,
  // An extra column, with a quoted value holding the delimiter and an escaped quote.
  'extra_column.csv': `${IRIS_HEADER},note\n6.3,3.3,6.0,2.5,virginica,"big, ""blue"" one"\n5.8,2.7,5.1,1.9,virginica,\n`,
  'bad_numbers.csv': `${IRIS_HEADER}\n5.1,abc,1.4,0.2,setosa\n0x1A,3.5,1.4,0.2,setosa\n1e999,3.5,1.4,0.2,setosa\nNaN,3.5,1.4,0.2,setosa\n5.0,3.6,1.4,0.2,setosa\n`,
  'unknown_class.csv': `${IRIS_HEADER}\n5.1,3.5,1.4,0.2,tulip\n5.1,3.5,1.4,0.2,Setosa\n`,
  'missing_fields.csv': `${IRIS_HEADER}\n5.1,3.5,1.4\n5.1,,1.4,0.2,setosa\n`,
  'invalid_utf8.csv': Buffer.concat([Buffer.from(`${IRIS_HEADER}\n5.1,3.5,1.4,0.2,set`), Buffer.from([0xff]), Buffer.from('osa\n5.2,3.5,1.4,0.2,setosa\n')]),
  'unclosed_quote.csv': `${IRIS_HEADER}\n5.2,3.4,1.4,0.2,setosa\n5.1,3.5,1.4,0.2,"setosa\n`,
  'wrong_header.csv': 'a,b,c\n1,2,3\n',
  'empty.csv': '',
  'rows.jsonl': '{"sepal_length":5.5,"sepal_width":2.4,"petal_length":3.8,"petal_width":1.1,"species":"versicolor"}\n{"sepal_length":"x"}\n',
  'good.parquet': GOOD_PARQUET,
  'truncated.parquet': GOOD_PARQUET.subarray(0, GOOD_PARQUET.length - 20),
  // Its head is damaged but its footer is intact: readers that seek straight to the footer would take it.
  'bad_head.parquet': Uint8Array.from(GOOD_PARQUET, (byte, i) => (i < 4 ? 0x58 : byte)),
  'notes.txt': 'not data, ignored by extension',
};

async function messySetup(): Promise<IngestSetup> {
  const s = await ingestSetup(await tempDir(), { copySample: false });
  for (const [name, content] of Object.entries(MESSY)) await writeFile(path.join(s.landing, name), content);
  return s;
}

async function quarantineTable(s: IngestSetup): Promise<Record<string, unknown>[]> {
  const dir = s.volumeDir('quarantine');
  const files = (await listTree(dir)).filter((file) => file.endsWith('.parquet') && !file.startsWith('_files'));
  const rows: Record<string, unknown>[] = [];
  for (const file of files) rows.push(...(await readParquetFile(path.join(dir, file))));
  return rows;
}

function fileOf(row: Record<string, unknown>): string {
  return String(row._source_file).slice(String(row._source_file).lastIndexOf('/') + 1);
}

describe('ingesting messy files', () => {
  it('gives each messy file its expected outcome: rows kept, rows quarantined, files quarantined whole', async () => {
    const s = await messySetup();
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({
      files_listed: 14,
      files_ingested: 9,
      files_quarantined: 4,
      quarantined_files: [
        { path: 'bad_head.parquet', reason: expect.stringContaining('expected the magic bytes 50 41 52 31 ("PAR1") at its start, found 58 58 58 58') },
        { path: 'empty.csv', reason: 'the file is empty: there is no header line' },
        { path: 'truncated.parquet', reason: expect.stringContaining('at its end') },
        { path: 'wrong_header.csv', reason: expect.stringContaining('the header does not match the Iris schema (missing sepal_length') },
      ],
    });

    const table = await readIngested(s.volumes, result.output_path);
    const kept = table.toArray().map((row) => `${fileOf(row.toJSON())}:${row.sepal_length}:${row.species}${row._rescued_data ? `:${row._rescued_data}` : ''}`);
    expect(kept.sort()).toEqual(
      [
        'bom_crlf.csv:5.1:setosa',
        'bom_crlf.csv:4.9:setosa',
        'extra_column.csv:6.3:virginica:{"note":"big, \\"blue\\" one"}',
        'extra_column.csv:5.8:virginica',
        'bad_numbers.csv:5:setosa',
        'invalid_utf8.csv:5.2:setosa',
        'unclosed_quote.csv:5.2:setosa',
        'rows.jsonl:5.5:versicolor',
        'good.parquet:6.1:versicolor',
      ].sort(),
    );
    expect(result.rows_written).toBe(9);

    const quarantined = (await quarantineTable(s)).map((row) => [fileOf(row), row.row_number ?? null, row.reason, row.raw_record ?? null]);
    expect(quarantined.sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`))).toEqual(
      [
        ['bad_numbers.csv', 2n, 'sepal_width "abc" is not a number', '5.1,abc,1.4,0.2,setosa'],
        ['bad_numbers.csv', 3n, 'sepal_length "0x1A" is not a number', '0x1A,3.5,1.4,0.2,setosa'],
        ['bad_numbers.csv', 4n, 'sepal_length "1e999" is out of the float64 range', '1e999,3.5,1.4,0.2,setosa'],
        ['bad_numbers.csv', 5n, 'sepal_length "NaN" is not a number', 'NaN,3.5,1.4,0.2,setosa'],
        ['empty.csv', null, 'the file is empty: there is no header line', null],
        ['invalid_utf8.csv', 2n, 'species is not valid UTF-8', '5.1,3.5,1.4,0.2,set\uFFFDosa'],
        ['missing_fields.csv', 2n, 'expected 5 fields, found 3', '5.1,3.5,1.4'],
        ['missing_fields.csv', 3n, 'sepal_width is empty', '5.1,,1.4,0.2,setosa'],
        ['rows.jsonl', 2n, 'sepal_length "x" is not a number; sepal_width is missing; petal_length is missing; petal_width is missing; species is missing', '{"sepal_length":"x"}'],
        ['bad_head.parquet', null, expect.stringContaining('at its start, found 58 58 58 58'), null],
        ['truncated.parquet', null, expect.stringContaining('at its end'), null],
        ['unclosed_quote.csv', 3n, 'malformed CSV: unterminated quoted field: a quote is opened and never closed before the end of the input', '5.1,3.5,1.4,0.2,"setosa\n'],
        ['unknown_class.csv', 2n, 'species "tulip" is not one of setosa, versicolor, virginica', '5.1,3.5,1.4,0.2,tulip'],
        ['unknown_class.csv', 3n, 'species "Setosa" is not one of setosa, versicolor, virginica', '5.1,3.5,1.4,0.2,Setosa'],
        ['wrong_header.csv', null, expect.stringContaining('expected sepal_length,sepal_width,petal_length,petal_width,species; found a,b,c'), null],
      ].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
    );
    expect(result.rows_quarantined).toBe(11);

    // Files quarantined whole are copied aside, byte for byte, and recorded in the ledger with the reason.
    const copies = await listTree(path.join(s.volumeDir('quarantine'), '_files'));
    expect(copies.map((copy) => copy.slice(copy.lastIndexOf('/') + 1)).sort()).toEqual(['bad_head.parquet', 'empty.csv', 'truncated.parquet', 'wrong_header.csv']);
    const wrongCopy = copies.find((copy) => copy.endsWith('wrong_header.csv'))!;
    expect(await readFile(path.join(s.volumeDir('quarantine'), '_files', wrongCopy), 'utf8')).toBe(MESSY['wrong_header.csv']);
    const ledger = await s.ledger();
    expect(ledger.files.find((entry) => entry.source_path === 'wrong_header.csv')).toMatchObject({ status: 'quarantined', rows: 0, output_files: [], reason: expect.stringContaining('missing sepal_length') });
    expect(ledger.files.find((entry) => entry.source_path === 'notes.txt')).toBeUndefined();

    // Processed exactly once: a second run reads nothing again, quarantined files included.
    expect(await runIngest(s.ctx, s.params)).toMatchObject({ files_ingested: 0, files_quarantined: 0, files_skipped: 13 });
  });

  it('on_bad_file fail: stops at the first bad file, keeps what was committed, and writes nothing for the bad one', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    await writeFile(path.join(s.landing, 'a_good.csv'), `${IRIS_HEADER}\n5.1,3.5,1.4,0.2,setosa\n`);
    await writeFile(path.join(s.landing, 'b_wrong_header.csv'), 'a,b,c\n1,2,3\n');
    await writeFile(path.join(s.landing, 'c_good.csv'), `${IRIS_HEADER}\n5.1,3.5,1.4,0.2,setosa\n`);
    await expect(runIngest(s.ctx, { ...s.params, on_bad_file: 'fail' })).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining('b_wrong_header.csv: the header does not match the Iris schema'),
    });
    const ledger = await s.ledger();
    expect(ledger.files.map((entry) => entry.source_path)).toEqual(['a_good.csv']);
    expect(await listTree(s.volumeDir('quarantine'))).toEqual([]);
    // With the default, the same landing completes: the bad file quarantined, the rest ingested.
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 1, files_quarantined: 1, files: ['c_good.csv'] });
  });

  it('on_extra_columns fail: a file with columns beyond the schema is quarantined whole', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    await writeFile(path.join(s.landing, 'extra.csv'), `${IRIS_HEADER},note\n5.1,3.5,1.4,0.2,setosa,hi\n`);
    const result = await runIngest(s.ctx, { ...s.params, on_extra_columns: 'fail' });
    expect(result.quarantined_files).toEqual([{ path: 'extra.csv', reason: expect.stringContaining('unexpected note (on_extra_columns is fail)') }]);
    expect(result.rows_written).toBe(0);
  });
});
