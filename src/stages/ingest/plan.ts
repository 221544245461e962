import { MlopsError } from '../../errors.js';
import type { SourceFile } from '../../sources/types.js';
import type { LedgerEntry } from './ledger.js';

export const SUPPORTED_FORMATS = ['csv'] as const;
export type IngestFormat = (typeof SUPPORTED_FORMATS)[number];

/** The `format` job parameter, defaulting to csv; matching is case-insensitive. */
export function parseFormat(format: string | undefined): IngestFormat {
  const normalized = (format ?? 'csv').trim().toLowerCase();
  const supported = SUPPORTED_FORMATS.find((candidate) => candidate === normalized);
  if (supported === undefined) {
    throw new MlopsError('INVALID_ARGUMENT', `format ${JSON.stringify(format)} is not supported; expected one of: ${SUPPORTED_FORMATS.join(', ')}`, {
      details: { parameter: 'format', found: format },
    });
  }
  return supported;
}

export interface PlannedFile {
  file: SourceFile;
  /** new: never ingested; changed: ingested before with another etag, ingested again as a new file. */
  reason: 'new' | 'changed';
  /** The ledger entry of the earlier version, for changed files. */
  previous?: LedgerEntry;
}

export interface IngestPlan {
  toIngest: PlannedFile[];
  /** Already ingested with the same etag. */
  unchanged: SourceFile[];
  /** Files whose extension does not match the format; left alone. */
  ignored: SourceFile[];
}

/** Decides which listed files to ingest, given what the ledger says was already processed. */
export function planIngest(ledger: readonly LedgerEntry[], listing: readonly SourceFile[], format: IngestFormat): IngestPlan {
  const processed = new Map(ledger.map((entry) => [entry.source_path, entry]));
  const plan: IngestPlan = { toIngest: [], unchanged: [], ignored: [] };
  const extension = `.${format}`;
  for (const file of listing) {
    if (!file.path.toLowerCase().endsWith(extension)) {
      plan.ignored.push(file);
      continue;
    }
    const previous = processed.get(file.path);
    if (previous === undefined) plan.toIngest.push({ file, reason: 'new' });
    else if (previous.etag !== file.etag) plan.toIngest.push({ file, reason: 'changed', previous });
    else plan.unchanged.push(file);
  }
  return plan;
}
