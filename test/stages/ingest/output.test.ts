import { describe, expect, it } from 'vitest';
import {
  buildIngestedTable,
  buildQuarantineTable,
  ingestedArrowSchema,
  joinVolumePath,
  outputFileName,
} from '../../../src/stages/ingest/output.js';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import type { ValidatedFile } from '../../../src/stages/ingest/validate.js';

const validated: ValidatedFile = {
  file: 'sub/part_1.csv',
  rows: 2,
  columns: [[5.1, 6.3], [3.5, 3.3], [1.4, 6], [0.2, 2.5], ['setosa', 'virginica']],
  quarantined: [{ line: 4, raw: '1,2,x,4,setosa', reason: 'petal_length "x" is not a number' }],
};

describe('ingested output', () => {
  it('has the schema columns, then _source_file and a UTC millisecond _ingested_at', () => {
    expect(ingestedArrowSchema(IRIS_SCHEMA).fields.map((field) => `${field.name}:${String(field.type)}:${field.nullable}`)).toEqual([
      'sepal_length:Float64:false',
      'sepal_width:Float64:false',
      'petal_length:Float64:false',
      'petal_width:Float64:false',
      'species:Utf8:false',
      '_source_file:Utf8:false',
      '_ingested_at:Timestamp<MILLISECOND, UTC>:false',
    ]);
  });

  it('builds one row per good record, stamped with the file and time', () => {
    const table = buildIngestedTable(IRIS_SCHEMA, validated, 1_700_000_000_000);
    expect(table.toArray().map((row) => row.toJSON())).toEqual([
      { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2, species: 'setosa', _source_file: 'sub/part_1.csv', _ingested_at: 1_700_000_000_000 },
      { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6, petal_width: 2.5, species: 'virginica', _source_file: 'sub/part_1.csv', _ingested_at: 1_700_000_000_000 },
    ]);
  });

  it('builds the quarantine rows with raw line, file, line number and reason', () => {
    const table = buildQuarantineTable(validated, 5);
    expect(table.toArray().map((row) => row.toJSON())).toEqual([
      { raw_line: '1,2,x,4,setosa', _source_file: 'sub/part_1.csv', line_number: 4, reason: 'petal_length "x" is not a number', _ingested_at: 5 },
    ]);
  });

  it('handles files with no rows', () => {
    const empty: ValidatedFile = { file: 'e.csv', rows: 0, columns: [[], [], [], [], []], quarantined: [] };
    expect(buildIngestedTable(IRIS_SCHEMA, empty, 1).numRows).toBe(0);
    expect(buildQuarantineTable(empty, 1).numRows).toBe(0);
  });
});

describe('outputFileName', () => {
  it('keeps the folder and stem and adds 16 hex digits of the content hash', () => {
    const sha = '0123456789abcdef'.repeat(4);
    expect(outputFileName('iris_part_001.csv', sha)).toBe('iris_part_001.0123456789abcdef.parquet');
    expect(outputFileName('2024/05/drop.v2.csv', sha)).toBe('2024/05/drop.v2.0123456789abcdef.parquet');
    expect(outputFileName('.csv', sha)).toBe('.csv.0123456789abcdef.parquet');
  });
});

describe('joinVolumePath', () => {
  it('joins with single slashes whatever the inputs carry', () => {
    expect(joinVolumePath('/Volumes/c/s/v/', 'ingested')).toBe('/Volumes/c/s/v/ingested');
    expect(joinVolumePath('/Volumes/c/s/v', '/ingested/', 'a/b.parquet')).toBe('/Volumes/c/s/v/ingested/a/b.parquet');
  });
});
