import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../src/stages/ingest/ledger.js';
import { parseFormat, planIngest } from '../../../src/stages/ingest/plan.js';
import type { SourceFile } from '../../../src/sources/types.js';

function file(path: string, etag = `etag-${path}`): SourceFile {
  return { path, size: 10, modifiedAt: 1, etag };
}

function entry(path: string, etag = `etag-${path}`): LedgerEntry {
  return {
    source_path: path,
    etag,
    size: 10,
    modified_at: 1,
    sha256: 'ab',
    output_file: `/Volumes/c/s/v/ingested/${path}.parquet`,
    quarantine_file: null,
    rows: 1,
    rows_quarantined: 0,
    ingested_at: 1,
  };
}

describe('planIngest', () => {
  it('ingests everything when the ledger is empty', () => {
    const plan = planIngest([], [file('a.csv'), file('b.csv')], 'csv');
    expect(plan.toIngest.map((item) => [item.file.path, item.reason])).toEqual([
      ['a.csv', 'new'],
      ['b.csv', 'new'],
    ]);
    expect(plan.unchanged).toEqual([]);
  });

  it('skips files already ingested with the same etag and picks up new ones', () => {
    const plan = planIngest([entry('a.csv'), entry('b.csv')], [file('a.csv'), file('b.csv'), file('c.csv')], 'csv');
    expect(plan.toIngest.map((item) => item.file.path)).toEqual(['c.csv']);
    expect(plan.unchanged.map((f) => f.path)).toEqual(['a.csv', 'b.csv']);
  });

  it('treats a known path with another etag as changed, carrying the earlier entry', () => {
    const plan = planIngest([entry('a.csv', 'old')], [file('a.csv', 'new')], 'csv');
    expect(plan.toIngest).toHaveLength(1);
    expect(plan.toIngest[0]).toMatchObject({ reason: 'changed', previous: { etag: 'old' }, file: { etag: 'new' } });
  });

  it('leaves files of another format alone, matching the extension case-insensitively', () => {
    const plan = planIngest([], [file('README.md'), file('UPPER.CSV'), file('x.csv.gz')], 'csv');
    expect(plan.toIngest.map((item) => item.file.path)).toEqual(['UPPER.CSV']);
    expect(plan.ignored.map((f) => f.path)).toEqual(['README.md', 'x.csv.gz']);
  });
});

describe('parseFormat', () => {
  it('defaults to csv and rejects unsupported formats naming them', () => {
    expect(parseFormat(undefined)).toBe('csv');
    expect(parseFormat(' CSV ')).toBe('csv');
    expect(() => parseFormat('json')).toThrow(/format "json" is not supported; expected one of: csv/);
  });
});
