import { MlopsError } from '../../errors.js';

export const LEDGER_FILE_NAME = 'ingest_ledger.json';

/** What the ingest stage remembers about one source file it has processed. */
export interface LedgerEntry {
  /** Relative to the source root, as in SourceFile.path. */
  source_path: string;
  etag: string;
  size: number;
  modified_at: number;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  /** Volume path of the Parquet file holding the file's good rows. */
  output_file: string;
  /** Volume path of the Parquet file holding its quarantined rows, if there were any. */
  quarantine_file: string | null;
  rows: number;
  rows_quarantined: number;
  /** Milliseconds since the epoch. */
  ingested_at: number;
}

/** The ingest checkpoint: one entry per processed source path (the latest version wins). */
export interface IngestLedger {
  version: 1;
  /** The source the entries' paths are relative to. */
  source: string;
  files: LedgerEntry[];
}

export function emptyLedger(source: string): IngestLedger {
  return { version: 1, source, files: [] };
}

const ENTRY_FIELDS: Record<keyof LedgerEntry, 'string' | 'number' | 'string|null'> = {
  source_path: 'string',
  etag: 'string',
  size: 'number',
  modified_at: 'number',
  sha256: 'string',
  output_file: 'string',
  quarantine_file: 'string|null',
  rows: 'number',
  rows_quarantined: 'number',
  ingested_at: 'number',
};

/** Parses a ledger file; anything unexpected is CORRUPT, naming the file and the offending entry. */
export function parseLedger(text: string, where: string): IngestLedger {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, `it is not JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (typeof value !== 'object' || value === null) throw corrupt(where, 'expected a JSON object');
  const ledger = value as Partial<IngestLedger>;
  if (ledger.version !== 1) throw corrupt(where, `expected "version": 1, found ${JSON.stringify(ledger.version)}`);
  if (typeof ledger.source !== 'string') throw corrupt(where, 'expected a "source" string');
  if (!Array.isArray(ledger.files)) throw corrupt(where, 'expected a "files" array');
  ledger.files.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) throw corrupt(where, `files[${index}] is not an object`);
    for (const [key, type] of Object.entries(ENTRY_FIELDS)) {
      const field = (entry as Record<string, unknown>)[key];
      const ok = type === 'string|null' ? field === null || typeof field === 'string' : typeof field === type;
      if (!ok) throw corrupt(where, `files[${index}].${key} should be ${type}, found ${JSON.stringify(field)}`);
    }
  });
  return { version: 1, source: ledger.source, files: ledger.files };
}

export function serializeLedger(ledger: IngestLedger): string {
  return `${JSON.stringify(ledger, null, 2)}\n`;
}

/** The ledger after recording newly ingested files: an entry per path, newest wins, sorted by path. */
export function recordIngested(ledger: IngestLedger, entries: readonly LedgerEntry[], source: string): IngestLedger {
  const byPath = new Map(ledger.files.map((entry) => [entry.source_path, entry]));
  for (const entry of entries) byPath.set(entry.source_path, entry);
  const files = [...byPath.values()].sort((a, b) => (a.source_path < b.source_path ? -1 : a.source_path > b.source_path ? 1 : 0));
  return { version: 1, source, files };
}

function corrupt(where: string, reason: string, cause?: unknown): MlopsError {
  return new MlopsError('CORRUPT', `Ingest ledger ${where} cannot be used: ${reason}. Fix or delete it (deleting it re-ingests every file).`, {
    cause,
    details: { file: where },
  });
}
