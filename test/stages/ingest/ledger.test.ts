import { describe, expect, it } from 'vitest';
import { commitEntry, emptyLedger, forgetEntry, parseLedger, serializeLedger, withoutLeftovers, withPending } from '../../../src/stages/ingest/ledger.js';
import type { LedgerEntry, PendingAttempt } from '../../../src/stages/ingest/ledger.js';
import { ledgerEntry } from '../../helpers/ledger-entries.js';

const entry = ledgerEntry;

const attempt = (path: string): PendingAttempt => ({ source_path: path, etag: 'e', started_at: 1, prefixes: [{ folder: '/Volumes/c/s/v/ingested/ingest_date=2026-01-01', name_prefix: `${path}.k.` }] });

describe('the ingest ledger', () => {
  it('round-trips through its JSON form', () => {
    const ledger = withPending(commitEntry(emptyLedger('file:///landing'), entry('a.csv', ['/o/a.parquet'])), [attempt('b.csv')]);
    expect(parseLedger(serializeLedger(ledger), 'ledger.json')).toEqual(ledger);
  });

  it('keeps the Spark writer of a pending attempt (its session and operation tag)', () => {
    const spark = { session_id: '5b3c1f4e-0000-4000-8000-000000000001', user_id: 'me', operation_tag: 'mlops-ingest-00' };
    const ledger = withPending(emptyLedger('s'), [{ ...attempt('b.csv'), spark }]);
    expect(parseLedger(serializeLedger(ledger), 'ledger.json').pending[0]?.spark).toEqual(spark);
  });

  it('commits a file: its entry, no longer pending, and the outputs it replaces become obsolete', () => {
    let ledger = commitEntry(emptyLedger('src'), entry('b.csv', ['/o/b1.parquet'], { quarantine_files: ['/q/b1.parquet'] }));
    ledger = commitEntry(ledger, entry('a.csv', ['/o/a.parquet']));
    ledger = withPending(ledger, [attempt('b.csv')]);
    ledger = commitEntry(ledger, entry('b.csv', ['/o/b2.parquet'], { etag: 'new' }));
    expect(ledger.files.map((file) => [file.source_path, file.etag])).toEqual([
      ['a.csv', 'etag-a.csv'],
      ['b.csv', 'new'],
    ]);
    expect(ledger.pending).toEqual([]);
    expect(ledger.obsolete).toEqual(['/o/b1.parquet', '/q/b1.parquet']);
    expect(withoutLeftovers(ledger, [], ['/o/b1.parquet']).obsolete).toEqual(['/q/b1.parquet']);
  });

  it('never marks an output obsolete that the new entry still names', () => {
    const ledger = commitEntry(commitEntry(emptyLedger('s'), entry('a.csv', ['/o/a.parquet'])), entry('a.csv', ['/o/a.parquet', '/o/a2.parquet']));
    expect(ledger.obsolete).toEqual([]);
  });

  it('forgets a file: its entry goes and its outputs become obsolete', () => {
    const ledger = forgetEntry(commitEntry(emptyLedger('s'), entry('a.csv', ['/o/a.parquet'], { quarantine_files: ['/q/a.parquet'] })), 'a.csv');
    expect(ledger.files).toEqual([]);
    expect(ledger.obsolete).toEqual(['/o/a.parquet', '/q/a.parquet']);
    expect(forgetEntry(ledger, 'absent.csv')).toBe(ledger);
  });

  it('replaces a pending attempt of the same path, and drops finished ones', () => {
    const first = attempt('a.csv');
    const second = { ...attempt('a.csv'), etag: 'other' };
    const ledger = withPending(withPending(emptyLedger('s'), [first, attempt('b.csv')]), [second]);
    expect(ledger.pending.map((pending) => [pending.source_path, pending.etag])).toEqual([
      ['b.csv', 'e'],
      ['a.csv', 'other'],
    ]);
    expect(withoutLeftovers(ledger, [second], []).pending.map((pending) => pending.source_path)).toEqual(['b.csv']);
  });

  it('reads the version 1 ledger of the first release', () => {
    const v1 = {
      version: 1,
      source: 'file:///landing',
      files: [{ source_path: 'a.csv', etag: 'e', size: 3, modified_at: 2, sha256: 'ff', output_file: '/o/a.parquet', quarantine_file: '/q/a.parquet', rows: 4, rows_quarantined: 1, ingested_at: 9 }],
    };
    expect(parseLedger(JSON.stringify(v1), 'l')).toEqual({
      version: 2,
      source: 'file:///landing',
      files: [entry('a.csv', ['/o/a.parquet'], { etag: 'e', size: 3, modified_at: 2, sha256: 'ff', quarantine_files: ['/q/a.parquet'], rows: 4, rows_quarantined: 1, ingested_at: 9, run_id: null })],
      pending: [],
      obsolete: [],
    });
  });

  it('rejects a damaged ledger with CORRUPT, naming the file and the bad field', () => {
    const good = JSON.parse(serializeLedger(commitEntry(emptyLedger('s'), entry('a.csv', ['/o/a.parquet'])))) as Record<string, unknown>;
    const cases: [string, RegExp][] = [
      ['{"version": 2', /it is not JSON/],
      ['[]', /expected "version": 2, found undefined/],
      [JSON.stringify({ ...good, version: 3 }), /expected "version": 2, found 3/],
      [JSON.stringify({ ...good, pending: null }), /expected "files", "pending" and "obsolete" arrays/],
      [JSON.stringify({ ...good, files: [{ ...(good.files as object[])[0], rows: '1' }] }), /files\[0\]\.rows should be number, found "1"/],
      [JSON.stringify({ ...good, files: [{ ...(good.files as object[])[0], status: 'done' }] }), /files\[0\]\.status should be ingested or quarantined/],
      [JSON.stringify({ ...good, pending: [{ source_path: 'a', prefixes: [{ folder: '/x', name_prefix: '' }] }] }), /pending\[0\] should have source_path and prefixes/],
      [JSON.stringify({ ...good, pending: [{ source_path: 'a', prefixes: [{ folder: '/x', name_prefix: 'a.k' }], spark: { session_id: 's', user_id: 'u' } }] }), /pending\[0\]\.spark should have session_id, user_id and operation_tag/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseLedger(text, '/Volumes/c/s/v/checkpoints/ingest_ledger.json'), text).toThrow(message);
      expect(() => parseLedger(text, '/Volumes/c/s/v/checkpoints/ingest_ledger.json')).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringContaining('/Volumes/c/s/v/checkpoints/ingest_ledger.json') }));
    }
  });
});
