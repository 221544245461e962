import { describe, expect, it } from 'vitest';
import { emptyLedger, parseLedger, recordIngested, serializeLedger } from '../../../src/stages/ingest/ledger.js';
import type { LedgerEntry } from '../../../src/stages/ingest/ledger.js';

function entry(path: string, rows: number): LedgerEntry {
  return {
    source_path: path,
    etag: `e-${path}-${rows}`,
    size: 100,
    modified_at: 5,
    sha256: 'f'.repeat(64),
    output_file: `/Volumes/c/s/v/ingested/${path}.parquet`,
    quarantine_file: null,
    rows,
    rows_quarantined: 0,
    ingested_at: 7,
  };
}

describe('ingest ledger', () => {
  it('round-trips through its JSON form', () => {
    const ledger = recordIngested(emptyLedger('file:///landing'), [entry('b.csv', 2), entry('a.csv', 1)], 'file:///landing');
    expect(parseLedger(serializeLedger(ledger), '/Volumes/c/s/v/checkpoints/ingest_ledger.json')).toEqual(ledger);
  });

  it('keeps one entry per path, newest winning, sorted by path', () => {
    const first = recordIngested(emptyLedger('s'), [entry('b.csv', 1), entry('a.csv', 1)], 's');
    const second = recordIngested(first, [entry('b.csv', 9)], 's');
    expect(second.files.map((e) => [e.source_path, e.rows])).toEqual([
      ['a.csv', 1],
      ['b.csv', 9],
    ]);
  });

  it.each([
    ['not json', /is not JSON/],
    ['[]', /expected "version": 1/],
    ['{"version":2,"source":"s","files":[]}', /expected "version": 1, found 2/],
    ['{"version":1,"source":"s","files":[{"source_path":"a"}]}', /files\[0\]\.etag should be string, found undefined/],
  ])('rejects %s as CORRUPT naming the file', (text, reason) => {
    expect(() => parseLedger(text, '/Volumes/c/s/v/cp/ingest_ledger.json')).toThrow(
      expect.objectContaining({ code: 'CORRUPT', message: expect.stringMatching(reason) }),
    );
    expect(() => parseLedger(text, '/Volumes/c/s/v/cp/ingest_ledger.json')).toThrow(/\/Volumes\/c\/s\/v\/cp\/ingest_ledger\.json/);
  });
});
