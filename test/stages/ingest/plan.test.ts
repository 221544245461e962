import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../src/stages/ingest/ledger.js';
import { planIngest } from '../../../src/stages/ingest/plan.js';
import type { SourceFile } from '../../../src/sources/types.js';

function file(path: string, etag = `etag-${path}`): SourceFile {
  return { path, size: 10, modifiedAt: 1, etag };
}

function entry(path: string, etag = `etag-${path}`): LedgerEntry {
  return {
    source_path: path,
    format: 'csv',
    status: 'ingested',
    etag,
    size: 10,
    modified_at: 1,
    sha256: 'ab',
    output_files: [`/o/${path}.parquet`],
    quarantine_files: [],
    rows: 1,
    rows_quarantined: 0,
    reason: null,
    ingested_at: 1,
    run_id: null,
  };
}

const paths = (files: { path: string }[]) => files.map((f) => f.path);

describe('planIngest', () => {
  const ledger = [entry('same.csv'), entry('changed.csv', 'old'), entry('gone.csv')];
  const listing = [file('new.csv'), file('same.csv'), file('changed.csv', 'new'), file('readme.md'), file('data.jsonl'), file('t.parquet')];

  it('ingests new files and, with on_change reingest, changed ones; skips unchanged; ignores unknown extensions; notes missing ones', () => {
    const plan = planIngest(ledger, listing, { format: 'auto', onChange: 'reingest' });
    expect(plan.toIngest.map((p) => [p.file.path, p.format, p.reason, p.previous?.etag])).toEqual([
      ['new.csv', 'csv', 'new', undefined],
      ['changed.csv', 'csv', 'changed', 'old'],
      ['data.jsonl', 'jsonl', 'new', undefined],
      ['t.parquet', 'parquet', 'new', undefined],
    ]);
    expect(paths(plan.unchanged)).toEqual(['same.csv']);
    expect(paths(plan.ignored)).toEqual(['readme.md']);
    expect(plan.missing.map((e) => e.source_path)).toEqual(['gone.csv']);
    expect(plan.changedIgnored).toEqual([]);
    expect(plan.changedRefused).toEqual([]);
  });

  it('sets changed files aside with on_change ignore or fail', () => {
    expect(planIngest(ledger, listing, { format: 'auto', onChange: 'ignore' }).changedIgnored.map((p) => p.file.path)).toEqual(['changed.csv']);
    const refused = planIngest(ledger, listing, { format: 'auto', onChange: 'fail' });
    expect(refused.changedRefused.map((p) => p.file.path)).toEqual(['changed.csv']);
    expect(refused.toIngest.map((p) => p.file.path)).toEqual(['new.csv', 'data.jsonl', 't.parquet']);
  });

  it('reads every file as the named format', () => {
    expect(planIngest([], [file('readme.md'), file('x.parquet')], { format: 'csv', onChange: 'reingest' }).toIngest.map((p) => [p.file.path, p.format])).toEqual([
      ['readme.md', 'csv'],
      ['x.parquet', 'csv'],
    ]);
  });

  it('replays only the named files, unchanged or not', () => {
    const plan = planIngest(ledger, listing, { format: 'auto', onChange: 'fail', only: ['same.csv', 'changed.csv'] });
    expect(plan.toIngest.map((p) => [p.file.path, p.reason])).toEqual([
      ['same.csv', 'replay'],
      ['changed.csv', 'replay'],
    ]);
    expect(plan.unchanged).toEqual([]);
    expect(plan.missing).toEqual([]);
  });
});
