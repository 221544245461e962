import { createHash } from 'node:crypto';
import type { Metric } from '../../tracking/types.js';
import type { IngestResult } from '../state.js';
import type { LedgerEntry } from './ledger.js';

/** An input file as the ingestion's MLflow run records it (artifact ingestion/input_files.json). */
export interface InputFileRecord {
  path: string;
  url: string;
  format: string;
  etag: string;
  size: number;
  modified_at: number;
  sha256: string;
  status: 'ingested' | 'quarantined';
  rows: number;
  rows_quarantined: number;
  output_files: string[];
  quarantine_files: string[];
  reason: string | null;
}

export const INPUT_FILES_ARTIFACT = 'ingestion/input_files.json';
export const DATA_DIGEST_TAG = 'mlops.data_digest';
export const INPUT_DIGEST_TAG = 'mlops.input_digest';

/**
 * A digest of the ingested dataset: the sorted (path, content hash, rows) of every file the ledger says
 * is ingested. Two ingestions that leave the same data behind have the same digest, so a training run
 * can be tied to exactly the data it saw. 16 hex digits, like MLflow dataset digests.
 */
export function datasetDigest(entries: readonly LedgerEntry[]): string {
  const lines = entries
    .filter((entry) => entry.status === 'ingested')
    .map((entry) => `${entry.source_path}\t${entry.sha256}\t${entry.rows}`)
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/** The digest of what one run read: its input files' paths and content hashes. */
export function inputDigest(files: readonly InputFileRecord[]): string {
  const lines = files.map((file) => `${file.path}\t${file.sha256}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/** The result's counts, plus the bytes read, logged as the ingestion run's metrics. */
export type RunCounts = Pick<
  IngestResult,
  'files_listed' | 'files_ingested' | 'files_skipped' | 'files_quarantined' | 'files_changed' | 'files_deferred' | 'rows_written' | 'rows_quarantined'
> & { bytes_read: number };

export function countMetrics(counts: RunCounts, timestamp: number): Metric[] {
  return Object.entries(counts).map(([key, value]) => ({ key, value, timestamp, step: 0 }));
}
