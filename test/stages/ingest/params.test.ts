import { describe, expect, it } from 'vitest';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { formatOf, parseIngestSettings } from '../../../src/stages/ingest/params.js';

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
      ingestedTable: '',
    });
  });

  it('ingested_table: off by default, else a three-level name of plain identifiers', () => {
    expect(parseIngestSettings({ ...base, ingested_table: ' main.iris.raw ' }).ingestedTable).toBe('main.iris.raw');
    expect(parseIngestSettings({ ...base, ingested_table: '' }).ingestedTable).toBe('');
    for (const value of ['iris.raw', 'a.b.c.d', 'main.iris.raw; DROP TABLE x', 'main.`iris`.raw', 'main..raw']) {
      expect(() => parseIngestSettings({ ...base, ingested_table: value }), value).toThrow(/parameter "ingested_table": expected '' or a three-level table name catalog\.schema\.table/);
    }
  });

  it('reads every parameter, case-insensitively for the choices', () => {
    const settings = parseIngestSettings({ ...base, format: 'JSON', on_change: 'Ignore', on_bad_file: 'fail', on_extra_columns: 'FAIL', max_rows_per_file: '10', experiment_path: '/Shared/x' });
    expect(settings).toMatchObject({ format: 'jsonl', onChange: 'ignore', onBadFile: 'fail', onExtraColumns: 'fail', maxRowsPerFile: 10, experimentPath: '/Shared/x' });
  });

  it('rejects bad values with CONFIG_INVALID naming the parameter', () => {
    expect(() => parseIngestSettings({ ...base, checkpoint_path: ' ' })).toThrow(/parameter "checkpoint_path": expected a non-empty value, found " "/);
    expect(() => parseIngestSettings({ ...base, on_bad_file: 'skip' })).toThrow(/parameter "on_bad_file": expected one of quarantine, fail, found "skip"/);
    expect(() => parseIngestSettings({ ...base, on_extra_columns: 'drop' })).toThrow(/"on_extra_columns"/);
    for (const value of ['0', '-1', '1.5', 'many']) expect(() => parseIngestSettings({ ...base, max_rows_per_file: value })).toThrow(/parameter "max_rows_per_file": expected an integer from 1 to/);
    expect(() => parseIngestSettings({ ...base, on_change: 'x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: expect.objectContaining({ parameter: 'on_change' }) }));
  });

  it('lists every bad parameter in one error', () => {
    const error = (() => {
      try {
        parseIngestSettings({ ...base, format: 'xml', on_change: 'x', max_rows_per_file: '0' });
      } catch (caught) {
        return caught as { code: string; message: string; details: { problems: { parameter: string }[] } };
      }
      throw new Error('expected an error');
    })();
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.problems.map((p) => p.parameter)).toEqual(['format', 'on_change', 'max_rows_per_file']);
    expect(error.message).toContain('3 problems');
  });

});

describe('formats', () => {
  it('auto picks by extension; a named format reads every file as that format', () => {
    expect(parseIngestSettings(base).format).toBe('auto');
    expect(parseIngestSettings({ ...base, format: ' Parquet ' }).format).toBe('parquet');
    expect(parseIngestSettings({ ...base, format: 'ndjson' }).format).toBe('jsonl');
    expect(() => parseIngestSettings({ ...base, format: 'xml' })).toThrow(/expected auto, csv, jsonl \(or json\) or parquet/);
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
