import { describe, expect, it } from 'vitest';
import { ingestDate, ingestedArrowSchema, joinVolumePath, outputStem, partFileName, partitionFolder, QUARANTINE_ARROW_SCHEMA } from '../../../src/stages/ingest/output.js';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';

describe('output layout', () => {
  it('partitions by the UTC date of ingestion', () => {
    expect(ingestDate(Date.UTC(2026, 0, 31, 23, 59))).toBe('2026-01-31');
    expect(partitionFolder('/Volumes/c/s/v/ingested/', Date.UTC(2026, 1, 1))).toBe('/Volumes/c/s/v/ingested/ingest_date=2026-02-01');
  });

  it('names the outputs of one attempt by the source name and a key unique to the attempt and path', () => {
    const stem = outputStem('2024/jan/iris part #1.csv', 'attempt-1');
    expect(stem).toMatch(/^iris_part__1\.[0-9a-f]{16}$/);
    expect(outputStem('2024/jan/iris part #1.csv', 'attempt-1')).toBe(stem);
    expect(outputStem('2024/jan/iris part #1.csv', 'attempt-2')).not.toBe(stem);
    expect(outputStem('2025/jan/iris part #1.csv', 'attempt-1')).not.toBe(stem);
    expect(outputStem('.hidden', 'a')).toMatch(/^hidden\.[0-9a-f]{16}$/);
    expect(partFileName(stem, 12)).toBe(`${stem}.part-00012.parquet`);
  });

  it('joins volume paths with single slashes', () => {
    expect(joinVolumePath('/Volumes/c/s/v/', '/ingested/', 'x')).toBe('/Volumes/c/s/v/ingested/x');
  });

  it('gives ingested files the schema columns, then _rescued_data, _source_file and _ingested_at', () => {
    expect(ingestedArrowSchema(IRIS_SCHEMA).fields.map((field) => `${field.name}:${String(field.type)}:${field.nullable}`)).toEqual([
      'sepal_length:Float64:false',
      'sepal_width:Float64:false',
      'petal_length:Float64:false',
      'petal_width:Float64:false',
      'species:Dictionary<Int32, Utf8>:false',
      '_rescued_data:Utf8:true',
      '_source_file:Dictionary<Int32, Utf8>:false',
      '_ingested_at:Timestamp<MILLISECOND, UTC>:false',
    ]);
    expect(QUARANTINE_ARROW_SCHEMA.fields.map((field) => field.name)).toEqual(['raw_record', '_source_file', 'row_number', 'reason', '_ingested_at']);
  });
});
