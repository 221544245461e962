import { describe, expect, it } from 'vitest';
import { BadFileError } from '../../../src/stages/ingest/bad-file.js';
import { CsvRowDecoder } from '../../../src/stages/ingest/decode-csv.js';
import { QuarantineBuffer, RowBuffer } from '../../../src/stages/ingest/rows.js';
import { IRIS_SCHEMA, parseSchema } from '../../../src/stages/ingest/schema.js';
import type { IngestSchema } from '../../../src/stages/ingest/schema.js';

const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';

/** Decodes a CSV text, flushing (collecting) the rows each time the buffer is full. */
function decode(text: string | Buffer, options: { schema?: IngestSchema; limit?: number; extras?: 'rescue' | 'fail'; chunk?: number } = {}) {
  const schema = options.schema ?? IRIS_SCHEMA;
  const rows = new RowBuffer(schema, options.limit ?? 1000);
  const quarantine = new QuarantineBuffer();
  const decoder = new CsvRowDecoder(schema, options.extras ?? 'rescue', rows, quarantine, 'landing/x.csv');
  const parts: Record<string, unknown>[][] = [];
  const flush = () => {
    parts.push(rows.toRecordBatch('x', 0).toArray().map((row) => row.toJSON()));
    rows.clear();
  };
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const size = options.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += size) {
    decoder.write(bytes.subarray(i, i + size));
    while (!decoder.drain()) flush();
  }
  decoder.end();
  while (!decoder.drain()) flush();
  decoder.finish();
  if (rows.rows > 0) flush();
  return { parts, quarantined: quarantine.toRecordBatch('x', 0).toArray().map((row) => [Number(row.row_number), row.reason, row.raw_record]) };
}

describe('CsvRowDecoder', () => {
  it('matches header names in any order and coerces each record', () => {
    const { parts } = decode('species,petal_width,petal_length,sepal_width,sepal_length\nsetosa,0.2,1.4,3.5,5.1\n');
    expect(parts).toEqual([[{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2, species: 'setosa', _rescued_data: null, _source_file: 'x', _ingested_at: 0 }]]);
  });

  it('reads NA (as R and pandas write it) and empty fields as null in nullable columns, on the fast paths too', () => {
    const schema = parseSchema("species STRING NOT NULL IN ('Adelie', 'Gentoo') LABEL, island STRING, bill DOUBLE, sex STRING IN ('male', 'female'), year BIGINT");
    const { parts, quarantined } = decode('species,island,bill,sex,year\nAdelie,Torgersen,NA,NA,2007\nGentoo,"NA",39.1,,NA\nNA,Biscoe,1,male,2008\n', { schema });
    expect(parts.flat().map(({ species, island, bill, sex, year }) => ({ species, island, bill, sex, year }))).toEqual([
      { species: 'Adelie', island: 'Torgersen', bill: null, sex: null, year: null },
      { species: 'Gentoo', island: 'NA', bill: 39.1, sex: null, year: null },
    ].map((row, i) => (i === 0 ? { ...row, year: 2007n } : row)));
    // NOT NULL: "NA" is read as a value, and here not an allowed one.
    expect(quarantined).toEqual([[4, 'species "NA" is not one of Adelie, Gentoo', 'NA,Biscoe,1,male,2008']]);
  });

  it('hands over full parts of exactly the limit, whatever the chunking', () => {
    const lines = Array.from({ length: 25 }, (_, i) => `${i},1,1,1,setosa`);
    for (const chunk of [7, 64, 10_000]) {
      const { parts } = decode(`${HEADER}\n${lines.join('\n')}\n`, { limit: 10, chunk });
      expect(parts.map((part) => part.length), `chunk ${chunk}`).toEqual([10, 10, 5]);
      expect(parts.flat().map((row) => row.sepal_length)).toEqual(lines.map((_, i) => i));
    }
  });

  it('takes the general path for values the fast path leaves (quoted, escaped, long numbers) and keeps their meaning', () => {
    const schema = parseSchema('x DOUBLE, s STRING, t STRING');
    const { parts, quarantined } = decode('x,s,t\n"12345678901234567.5"," a ""b"" ",  c  \n"",,""\n', { schema });
    expect(quarantined).toEqual([]);
    expect(parts[0]?.map((row) => [row.x, row.s, row.t])).toEqual([
      [12345678901234567.5, ' a "b" ', 'c'],
      [null, null, ''],
    ]);
  });

  it('quarantines rows with every reason at once, keeping the raw line and its number', () => {
    const { parts, quarantined } = decode(`${HEADER}\n5.1,x,1.4,,tulip\n1,2,3,4,setosa,extra\n`);
    expect(parts).toEqual([]);
    expect(quarantined).toEqual([
      [2, 'sepal_width "x" is not a number; petal_width is empty; species "tulip" is not one of setosa, versicolor, virginica', '5.1,x,1.4,,tulip'],
      [3, 'expected 5 fields, found 6', '1,2,3,4,setosa,extra'],
    ]);
  });

  it('rescues extra columns as JSON, skipping empty ones', () => {
    const { parts } = decode(`${HEADER},note,tag\n5,3,1,0.2,setosa,"n, 1",\n5,3,1,0.2,setosa,,\n`);
    expect(parts[0]?.map((row) => row._rescued_data)).toEqual(['{"note":"n, 1"}', null]);
  });

  it('makes the whole file bad for a header that does not match, an empty file, or a never-ending record', () => {
    expect(() => decode('a,b\n1,2\n')).toThrow(BadFileError);
    expect(() => decode('a,b\n1,2\n')).toThrow(/^landing\/x\.csv: the header does not match the Iris schema \(missing sepal_length/);
    expect(() => decode('')).toThrow(/the file is empty: there is no header line/);
    expect(() => decode('\n\n')).toThrow(/the file is empty/);
    expect(() => decode(`${HEADER},note\n1,1,1,1,setosa,x\n`, { extras: 'fail' })).toThrow(/unexpected note \(on_extra_columns is fail\)/);
    const endless = `${HEADER}\n1,1,1,1,"${'x'.repeat(17 * 1024 * 1024)}`;
    expect(() => decode(endless, { chunk: 1024 * 1024 })).toThrow(/the record starting on line 2 is longer than 16777216 bytes/);
  });
});
