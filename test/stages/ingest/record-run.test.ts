import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../src/stages/ingest/ledger.js';
import { countMetrics, datasetDigest, inputDigest } from '../../../src/stages/ingest/record-run.js';

const entry = (path: string, sha256: string, rows: number, status: LedgerEntry['status'] = 'ingested') => ({ source_path: path, sha256, rows, status }) as LedgerEntry;

describe('digests', () => {
  it('digests the ingested dataset by file path, content hash and rows, in any order, ignoring quarantined files', () => {
    const digest = datasetDigest([entry('a', '1', 2), entry('b', '2', 3)]);
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    expect(datasetDigest([entry('b', '2', 3), entry('a', '1', 2), entry('bad', '3', 0, 'quarantined')])).toBe(digest);
    expect(datasetDigest([entry('a', '1', 2), entry('b', '9', 3)])).not.toBe(digest);
  });

  it('digests what one run read', () => {
    const file = { path: 'a', sha256: '1' } as Parameters<typeof inputDigest>[0][number];
    expect(inputDigest([file])).toMatch(/^[0-9a-f]{16}$/);
    expect(inputDigest([file])).not.toBe(inputDigest([{ ...file, sha256: '2' }]));
  });

  it('turns the counts into MLflow metrics', () => {
    const counts = { files_listed: 3, files_ingested: 2, files_skipped: 1, files_quarantined: 0, files_changed: 0, files_deferred: 0, rows_written: 9, rows_quarantined: 1, bytes_read: 100 };
    expect(countMetrics(counts, 5).find((metric) => metric.key === 'rows_written')).toEqual({ key: 'rows_written', value: 9, timestamp: 5, step: 0 });
    expect(countMetrics(counts, 5)).toHaveLength(9);
  });
});
