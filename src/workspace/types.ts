import type { RecordBatch, Schema } from 'apache-arrow';
import type { ModelRegistry, TrackingStore } from '../tracking/types.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface VolumeEntry {
  /** Absolute volume path, e.g. /Volumes/main/iris/raw/part-0.parquet */
  path: string;
  isDirectory: boolean;
  /** Bytes; 0 for directories. */
  size: number;
  /** Milliseconds since the epoch. */
  modifiedAt: number;
}

/**
 * Unity Catalog volumes: files addressed as /Volumes/<catalog>/<schema>/<volume>/<path>.
 * Locally a folder tree; on Databricks the Files API.
 */
export interface VolumeStore {
  read(path: string, options?: CallOptions): Promise<Uint8Array>;
  /**
   * Bytes [start, end) of a file, zero-based and end exclusive, without reading the rest of it (a
   * Parquet footer, one row group). A range that runs past the end of the file is cut short
   * there, as Blob.slice and HTTP ranges are, so the result may be shorter than asked, or empty
   * when start is at or past the end. INVALID_ARGUMENT unless 0 ≤ start ≤ end are whole numbers;
   * NOT_FOUND naming the path when no file is there, whatever the range (an empty one included).
   */
  readRange(path: string, start: number, end: number, options?: CallOptions): Promise<Uint8Array>;
  /** Writes the whole file atomically: readers see the old content or the new, never a part. */
  write(path: string, data: Uint8Array | string, options?: CallOptions & { overwrite?: boolean }): Promise<void>;
  exists(path: string, options?: CallOptions): Promise<boolean>;
  /** undefined when nothing is at the path. */
  stat(path: string, options?: CallOptions): Promise<VolumeEntry | undefined>;
  /** Children of a directory (all descendants files with `recursive`). NOT_FOUND if the directory is absent. */
  list(path: string, options?: CallOptions & { recursive?: boolean }): AsyncIterable<VolumeEntry>;
  /** Removes a file or a directory tree; absent paths are fine. */
  delete(path: string, options?: CallOptions): Promise<void>;
  mkdirs(path: string, options?: CallOptions): Promise<void>;
}

export type WriteMode = 'overwrite' | 'append';

export interface TableInfo {
  /** catalog.schema.table */
  name: string;
  schema: Schema;
  /** Where the data lives: a local folder, or a storage location on Databricks. */
  location: string;
}

/** Unity Catalog tables (three-level names). Locally a folder of Parquet files per table. */
export interface TableStore {
  exists(name: string, options?: CallOptions): Promise<boolean>;
  describe(name: string, options?: CallOptions): Promise<TableInfo>;
  /** Streams the table's rows as record batches. NOT_FOUND if absent. */
  read(name: string, options?: CallOptions): AsyncIterable<RecordBatch>;
  /**
   * Writes batches as one commit: on overwrite the table is replaced only once every batch is
   * durable; on append, a failure leaves the table as it was. Returns the rows written.
   */
  write(name: string, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, options?: CallOptions & { mode?: WriteMode }): Promise<TableInfo & { rows: number }>;
  drop(name: string, options?: CallOptions): Promise<void>;
}

/** Scores with SQL expressions where the data lives (a Databricks SQL warehouse). */
export interface SqlScoring {
  readonly warehouseId: string | undefined;
  /**
   * One CREATE OR REPLACE TABLE <outputTable> AS SELECT <passThrough>, <expression> AS <name>, …
   * FROM <input>: the predictions never leave the warehouse.
   */
  scoreOnWarehouse(input: {
    input: { table: string } | { volumePath: string };
    outputTable: string;
    columns: readonly { name: string; expression: string }[];
    passThrough?: readonly string[] | '*';
    signal?: AbortSignal;
  }): Promise<{ table: string; rows: number; statementId: string }>;
}

/** Everything a stage may touch. Stages receive one of these, never a concrete backend. */
export interface Workspace {
  readonly kind: 'local' | 'databricks';
  /** A human description, e.g. the local root folder or the workspace host. */
  readonly location: string;
  readonly volumes: VolumeStore;
  readonly tables: TableStore;
  readonly tracking: TrackingStore;
  readonly registry: ModelRegistry;
  /** Present when the workspace can score with SQL in place (Databricks with a warehouse_id). */
  readonly sqlScoring?: SqlScoring;
}
