import type { EncodedRowGroup, ParquetColumnValues, RowGroupJob } from '../parquet-encode.js';

/** What ParquetEncodePool posts to a worker: one row group to encode. */
export interface EncodeRequest extends RowGroupJob {
  id: number;
  /** Output buffers of earlier replies, given back for reuse. */
  recycle: ArrayBuffer[];
}

/** What a worker posts back; `returned` are the request's column buffers, handed back for reuse. */
export type EncodeReply = { id: number; ok: true; group: EncodedRowGroup; returned: ArrayBuffer[] } | { id: number; ok: false; message: string; returned: ArrayBuffer[] };

/** The distinct buffers behind a request's columns. */
export function columnBuffers(columns: readonly ParquetColumnValues[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: ArrayBufferView | undefined) => {
    if (array !== undefined && array.buffer instanceof ArrayBuffer && array.buffer.byteLength > 0) buffers.add(array.buffer);
  };
  for (const column of columns) {
    add(column.validity);
    if (column.layout === 'fixed') add(column.values);
    else if (column.layout === 'utf8') {
      add(column.offsets);
      add(column.data);
    } else add(column.indices);
  }
  return [...buffers];
}
