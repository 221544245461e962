import { describe, expect, it } from 'vitest';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { formatOf, parseFormat, parseIngestSettings } from '../../../src/stages/ingest/settings.js';

const base = { source_path: ' ./landing ', volume_path: '/Volumes/c/s/v', checkpoint_path: '/Volumes/c/s/v/checkpoints' };

describe('parseIngestSettings', () => {
  it('applies the defaults: auto format, Iris schema, reingest, quarantine, rescue, a million rows per part', () => {
    expect(parseIngestSettings(base)).toEqual({
      sourcePath: './landing',
      volumePath: '/Volumes/c/s/v',
      checkpointPath: '/Volumes/c/s/v/checkpoints',
      format: 'auto',
      schema: IRIS_SCHEMA,
      onChange: 'reingest',
      onBadFile: 'quarantine',
      onExtraColumns: 'rescue',
      maxRowsPerFile: 1_000_000,
      experimentPath: undefined,
    });
  });

  it('reads every parameter, case-insensitively for the choices', () => {
    const settings = parseIngestSettings({ ...base, format: 'JSON', on_change: 'Ignore', on_bad_file: 'fail', on_extra_columns: 'FAIL', max_rows_per_file: '10', experiment_path: '/Shared/x' });
    expect(settings).toMatchObject({ format: 'jsonl', onChange: 'ignore', onBadFile: 'fail', onExtraColumns: 'fail', maxRowsPerFile: 10, experimentPath: '/Shared/x' });
  });

  it('rejects bad values with CONFIG_INVALID naming the parameter', () => {
    expect(() => parseIngestSettings({ ...base, checkpoint_path: ' ' })).toThrow(/"checkpoint_path" is required/);
    expect(() => parseIngestSettings({ ...base, on_bad_file: 'skip' })).toThrow(/"on_bad_file" is "skip"; expected one of quarantine, fail/);
    expect(() => parseIngestSettings({ ...base, on_extra_columns: 'drop' })).toThrow(/"on_extra_columns"/);
    for (const value of ['0', '-1', '1.5', 'many']) expect(() => parseIngestSettings({ ...base, max_rows_per_file: value })).toThrow(/"max_rows_per_file" must be a positive integer/);
    expect(() => parseIngestSettings({ ...base, on_change: 'x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { parameter: 'on_change', found: 'x' } }));
  });
});

describe('formats', () => {
  it('auto picks by extension; a named format reads every file as that format', () => {
    expect(parseFormat(undefined)).toBe('auto');
    expect(parseFormat(' Parquet ')).toBe('parquet');
    expect(parseFormat('ndjson')).toBe('jsonl');
    expect(() => parseFormat('xml')).toThrow(/expected auto, csv, jsonl \(or json\) or parquet/);
    expect(['a.csv', 'b/c.CSV', 'd.jsonl', 'e.ndjson', 'f.json', 'g.parquet', 'h.pq', 'i.txt', 'noext', '.csv'].map((name) => formatOf(name, 'auto'))).toEqual([
      'csv',
      'csv',
      'jsonl',
      'jsonl',
      'jsonl',
      'parquet',
      'parquet',
      undefined,
      undefined,
      undefined,
    ]);
    expect(formatOf('i.txt', 'csv')).toBe('csv');
  });
});
