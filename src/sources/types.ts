import { MlopsError } from '../errors.js';
import type { CallOptions } from '../workspace/types.js';

/** One file in a landing zone. */
export interface SourceFile {
  /** Relative to the source root, '/'-separated. */
  path: string;
  /** Bytes. */
  size: number;
  /** Milliseconds since the epoch. */
  modifiedAt: number;
  /** Changes whenever the file changes; compared with the ingest ledger to spot rewritten files. */
  etag: string;
}

export interface ListOptions extends CallOptions {
  /** Files per listing request, for sources that page (ADLS); ignored by a local folder. */
  pageSize?: number;
}

/** Where ingestion reads from: a local folder or an ADLS Gen2 (Blob API) container path. */
export interface Source {
  /** The location without credentials: a file:// URL for a folder, the abfss:// or https:// URL for ADLS. */
  readonly url: string;
  /** Every file below the root, recursively, in path order; names starting with . or _ are skipped. */
  list(options?: ListOptions): AsyncIterable<SourceFile>;
  /**
   * Streams a listed file's bytes without reading it whole. Fails with SourceFileChangedError when the
   * file no longer matches the listing (rewritten or deleted since), so a half-old, half-new read is
   * never ingested.
   */
  open(file: SourceFile, options?: CallOptions): AsyncIterable<Uint8Array>;
  /** The file on local disk when there is one (readers that need random access use it), else undefined. */
  localPath(file: SourceFile): string | undefined;
  /** The file's own URL without credentials: what `_source_file` records for lineage. */
  fileUrl(file: SourceFile): string;
}

/** The file changed or disappeared between listing and reading; a later run will see its new version. */
export class SourceFileChangedError extends MlopsError {
  constructor(url: string, found: string) {
    super('IO', `${url} changed while it was being ingested (${found}); it is left for the next run`, { details: { file: url, changed: true } });
    this.name = 'SourceFileChangedError';
  }
}

/** Spark and Auto Loader skip names starting with . or _ (markers like _SUCCESS, temporary and checksum files). */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}
