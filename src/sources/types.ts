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

/** Where ingestion reads from: a local folder now, an ADLS Gen2 container later. */
export interface Source {
  /** The resolved location: a file:// URL for a folder, the abfss:// URL for ADLS. */
  readonly url: string;
  /** Every file below the root, recursively, sorted by path. NOT_FOUND if the root is missing. */
  list(options?: CallOptions): AsyncIterable<SourceFile>;
  read(file: SourceFile, options?: CallOptions): Promise<Uint8Array>;
}
