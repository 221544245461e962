import { MlopsError } from '../../errors.js';
import { FILE_FORMATS } from './params.js';
import type { FileFormat } from './params.js';

/** The ledger's folder under the checkpoint path: a snapshot plus one delta file per commit (see ledger-log.ts). */
export const LEDGER_FOLDER_NAME = 'ingest_ledger';
/** The single-file ledger of earlier releases, rewritten whole at every commit; converted on first load. */
export const LEGACY_LEDGER_FILE_NAME = 'ingest_ledger.json';

/** What the ingest stage remembers about one source file it has processed. */
export interface LedgerEntry {
  /** Relative to the source root, as in SourceFile.path. */
  source_path: string;
  format: FileFormat;
  /** ingested: its good rows are in output_files; quarantined: it could not be parsed and was set aside whole. */
  status: 'ingested' | 'quarantined';
  etag: string;
  size: number;
  /** Milliseconds since the epoch. */
  modified_at: number;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  /** Volume paths of the Parquet parts holding the file's good rows. */
  output_files: string[];
  /** Volume paths of its quarantine parts (and the copy of a file quarantined whole). */
  quarantine_files: string[];
  rows: number;
  rows_quarantined: number;
  /** Why a quarantined file could not be ingested; null otherwise. */
  reason: string | null;
  /** Milliseconds since the epoch. */
  ingested_at: number;
  /** The MLflow run of the ingestion that wrote it. */
  run_id: string | null;
}

/** Outputs of an attempt that has started but is not committed: removed by the next run if the process died. */
export interface PendingAttempt {
  source_path: string;
  etag: string;
  started_at: number;
  /** Every file of the attempt is in one of these folders with a name starting with name_prefix. */
  prefixes: { folder: string; name_prefix: string }[];
  /**
   * On Spark: the session that writes the attempt and the operation tag on each of its writes, so a
   * rerun can stop writes the server still runs for a dead process before it drops their partitions.
   */
  spark?: PendingSparkWriter;
}

export interface PendingSparkWriter {
  session_id: string;
  user_id: string;
  operation_tag: string;
}

/**
 * The ingest checkpoint's state. Changed only after the outputs it names are durable (each change is one
 * atomic delta write, see ledger-log.ts): a crash before a commit leaves a pending attempt to clean up, a crash after it
 * leaves at most obsolete files to delete — never a row counted twice or lost.
 */
export interface IngestLedger {
  version: 2;
  /** The source the entries' paths are relative to (its URL without credentials). */
  source: string;
  /** One entry per processed source path, sorted by path. */
  files: LedgerEntry[];
  pending: PendingAttempt[];
  /** Outputs replaced by a newer commit (a re-ingested or forgotten file), still to be deleted. */
  obsolete: string[];
}

export function emptyLedger(source: string): IngestLedger {
  return { version: 2, source, files: [], pending: [], obsolete: [] };
}

type FieldType = 'string' | 'number' | 'string|null' | 'string[]';

const ENTRY_FIELDS: Record<keyof LedgerEntry, FieldType> = {
  source_path: 'string',
  format: 'string',
  status: 'string',
  etag: 'string',
  size: 'number',
  modified_at: 'number',
  sha256: 'string',
  output_files: 'string[]',
  quarantine_files: 'string[]',
  rows: 'number',
  rows_quarantined: 'number',
  reason: 'string|null',
  ingested_at: 'number',
  run_id: 'string|null',
};

/** Parses a ledger file (version 2, or the version 1 the first release wrote); anything unexpected is CORRUPT. */
export function parseLedger(text: string, where: string): IngestLedger {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, `it is not JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (typeof value !== 'object' || value === null) throw corrupt(where, 'expected a JSON object');
  const raw = value as Record<string, unknown>;
  if (raw.version === 1) return migrateV1(raw, where);
  if (raw.version !== 2) throw corrupt(where, `expected "version": 2, found ${JSON.stringify(raw.version)}`);
  return checkLedgerBody(raw, where);
}

/** Checks the source, files, pending and obsolete fields of a parsed ledger (or ledger snapshot). */
export function checkLedgerBody(raw: Record<string, unknown>, where: string): IngestLedger {
  if (typeof raw.source !== 'string') throw corrupt(where, 'expected a "source" string');
  if (!Array.isArray(raw.files) || !Array.isArray(raw.pending) || !Array.isArray(raw.obsolete)) throw corrupt(where, 'expected "files", "pending" and "obsolete" arrays');
  raw.files.forEach((entry: unknown, index) => checkEntry(entry, `files[${index}]`, where));
  raw.pending.forEach((attempt: unknown, index) => checkPending(attempt, `pending[${index}]`, where));
  if (!raw.obsolete.every((path) => typeof path === 'string')) throw corrupt(where, '"obsolete" should hold volume paths');
  return { version: 2, source: raw.source, files: raw.files as LedgerEntry[], pending: raw.pending as PendingAttempt[], obsolete: raw.obsolete as string[] };
}

export function checkPending(attempt: unknown, label: string, where: string): void {
  const ok =
    typeof attempt === 'object' &&
    attempt !== null &&
    typeof (attempt as PendingAttempt).source_path === 'string' &&
    Array.isArray((attempt as PendingAttempt).prefixes) &&
    (attempt as PendingAttempt).prefixes.every((prefix) => typeof prefix?.folder === 'string' && typeof prefix?.name_prefix === 'string' && prefix.name_prefix !== '');
  if (!ok) throw corrupt(where, `${label} should have source_path and prefixes of {folder, name_prefix}`);
  const spark = (attempt as PendingAttempt).spark;
  if (spark !== undefined && (typeof spark !== 'object' || spark === null || !(['session_id', 'user_id', 'operation_tag'] as const).every((key) => typeof spark[key] === 'string'))) {
    throw corrupt(where, `${label}.spark should have session_id, user_id and operation_tag strings`);
  }
}

export function checkEntry(entry: unknown, label: string, where: string): void {
  if (typeof entry !== 'object' || entry === null) throw corrupt(where, `${label} is not an object`);
  for (const [key, type] of Object.entries(ENTRY_FIELDS)) {
    const field = (entry as Record<string, unknown>)[key];
    const ok =
      type === 'string|null'
        ? field === null || typeof field === 'string'
        : type === 'string[]'
          ? Array.isArray(field) && field.every((item) => typeof item === 'string')
          : typeof field === type;
    if (!ok) throw corrupt(where, `${label}.${key} should be ${type}, found ${JSON.stringify(field)}`);
  }
  const { status, format } = entry as LedgerEntry;
  if (status !== 'ingested' && status !== 'quarantined') throw corrupt(where, `${label}.status should be ingested or quarantined, found ${JSON.stringify(status)}`);
  if (!(FILE_FORMATS as readonly string[]).includes(format)) throw corrupt(where, `${label}.format should be one of ${FILE_FORMATS.join(', ')}, found ${JSON.stringify(format)}`);
}

/** Version 1 had one output file per source file and CSV only. */
function migrateV1(raw: Record<string, unknown>, where: string): IngestLedger {
  if (typeof raw.source !== 'string' || !Array.isArray(raw.files)) throw corrupt(where, 'a version 1 ledger needs "source" and "files"');
  const files = raw.files.map((entry: unknown, index): LedgerEntry => {
    const old = entry as Record<string, unknown>;
    if (typeof old?.source_path !== 'string' || typeof old.output_file !== 'string' || typeof old.etag !== 'string') {
      throw corrupt(where, `files[${index}] is not a version 1 ledger entry`);
    }
    return {
      source_path: old.source_path,
      format: 'csv',
      status: 'ingested',
      etag: old.etag,
      size: Number(old.size ?? 0),
      modified_at: Number(old.modified_at ?? 0),
      sha256: String(old.sha256 ?? ''),
      output_files: [old.output_file],
      quarantine_files: typeof old.quarantine_file === 'string' ? [old.quarantine_file] : [],
      rows: Number(old.rows ?? 0),
      rows_quarantined: Number(old.rows_quarantined ?? 0),
      reason: null,
      ingested_at: Number(old.ingested_at ?? 0),
      run_id: null,
    };
  });
  return { version: 2, source: raw.source, files, pending: [], obsolete: [] };
}

export function serializeLedger(ledger: IngestLedger): string {
  return `${JSON.stringify(ledger, null, 2)}\n`;
}

export function findEntry(ledger: IngestLedger, sourcePath: string): LedgerEntry | undefined {
  return ledger.files.find((entry) => entry.source_path === sourcePath);
}

/** Records attempts about to write outputs (the intent), replacing any earlier pending record of the same paths. */
export function withPending(ledger: IngestLedger, attempts: readonly PendingAttempt[]): IngestLedger {
  const paths = new Set(attempts.map((attempt) => attempt.source_path));
  return { ...ledger, pending: [...ledger.pending.filter((attempt) => !paths.has(attempt.source_path)), ...attempts] };
}

/**
 * Commits one file: its entry replaces any earlier one, its attempt is no longer pending, and the
 * earlier entry's outputs (those not reused) become obsolete, to be deleted after this commit.
 */
export function commitEntry(ledger: IngestLedger, entry: LedgerEntry): IngestLedger {
  const previous = findEntry(ledger, entry.source_path);
  const kept = new Set([...entry.output_files, ...entry.quarantine_files]);
  const replaced = previous === undefined ? [] : [...previous.output_files, ...previous.quarantine_files].filter((path) => !kept.has(path));
  const files = [...ledger.files.filter((other) => other.source_path !== entry.source_path), entry].sort(bySourcePath);
  return {
    ...ledger,
    files,
    pending: ledger.pending.filter((attempt) => attempt.source_path !== entry.source_path),
    obsolete: [...ledger.obsolete, ...replaced],
  };
}

/** Drops a file's entry; its outputs become obsolete (its rows leave the dataset). */
export function forgetEntry(ledger: IngestLedger, sourcePath: string): IngestLedger {
  const previous = findEntry(ledger, sourcePath);
  if (previous === undefined) return ledger;
  return {
    ...ledger,
    files: ledger.files.filter((entry) => entry.source_path !== sourcePath),
    obsolete: [...ledger.obsolete, ...previous.output_files, ...previous.quarantine_files],
  };
}

/** After the pending attempts' files and the obsolete files are deleted. */
export function withoutLeftovers(ledger: IngestLedger, pendingDone: readonly PendingAttempt[], obsoleteDone: readonly string[]): IngestLedger {
  const deleted = new Set(obsoleteDone);
  return {
    ...ledger,
    pending: ledger.pending.filter((attempt) => !pendingDone.includes(attempt)),
    obsolete: ledger.obsolete.filter((path) => !deleted.has(path)),
  };
}

function bySourcePath(a: LedgerEntry, b: LedgerEntry): number {
  return a.source_path < b.source_path ? -1 : a.source_path > b.source_path ? 1 : 0;
}

export function corrupt(where: string, reason: string, cause?: unknown): MlopsError {
  return new MlopsError('CORRUPT', `Ingest ledger ${where} cannot be used: ${reason}. Fix it, or delete the ledger together with the ingested and quarantine folders to ingest everything again from scratch.`, {
    cause,
    details: { file: where },
  });
}
