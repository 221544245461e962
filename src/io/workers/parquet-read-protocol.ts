import type { ErrorCode } from '../../errors.js';

/** What a ParquetReadAhead worker is started with (its workerData). */
export interface ReadJob {
  /** `skip`: rows at the start of the file not to hand over (the caller has them already). */
  files: { path: string; name: string; skip?: number }[];
  /** Numeric columns only (every file checked by the caller): they are copied out of wasm memory as plain typed arrays. */
  columns: string[];
  batchSize: number;
  /** Batches the worker may post before it waits for a credit. */
  ahead: number;
}

/** One column of a batch: its values and, when it has nulls, its validity bitmap (bit 0 = row 0). */
export interface ReadColumn {
  values: Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;
  validity?: Uint8Array;
  nullCount: number;
}

/** Worker → caller. */
export type ReadMessage =
  | { type: 'batch'; file: number; rows: number; columns: ReadColumn[] }
  | { type: 'end' }
  | { type: 'error'; code: ErrorCode; message: string; details?: Record<string, unknown> };

/** Caller → worker: one batch was taken, so one more may come; spare buffers for the worker to fill again. */
export interface ReadCredit {
  recycle: ArrayBuffer[];
}
