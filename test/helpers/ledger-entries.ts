import type { LedgerEntry } from '../../src/stages/ingest/ledger.js';

/** A ledger entry for `sourcePath` with the given outputs; the rest fixed unless overridden. */
export function ledgerEntry(sourcePath: string, outputs: string[], overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    source_path: sourcePath,
    format: 'csv',
    status: 'ingested',
    etag: `etag-${sourcePath}`,
    size: 10,
    modified_at: 1,
    sha256: 'ab'.repeat(32),
    output_files: outputs,
    quarantine_files: [],
    rows: 1,
    rows_quarantined: 0,
    reason: null,
    ingested_at: 5,
    run_id: 'r1',
    ...overrides,
  };
}
