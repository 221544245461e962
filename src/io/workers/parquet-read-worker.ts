import { parentPort, workerData } from 'node:worker_threads';
import * as pq from '../parquet-wasm.js';
import { MlopsError } from '../../errors.js';
import { threadBufferPool } from '../buffer-pool.js';
import { readCColumns } from '../c-data-columns.js';
import { openWasmParquetFile, streamWasmBatches } from '../parquet-file.js';
import type { ReadColumn, ReadCredit, ReadJob, ReadMessage } from './parquet-read-protocol.js';

/**
 * Worker thread entry: decodes the job's Parquet files into record batches and posts each batch's
 * column buffers to the caller by transfer. It runs ahead of the caller by at most `ahead` batches:
 * each credit lets one more through, and brings buffers back to decode into again. It loads
 * parquet-wasm but not Arrow JS (~150 ms to import), so that the first batches come sooner.
 */
if (parentPort === null) throw new Error('parquet-read-worker must run in a worker thread');
const port = parentPort;
const job = workerData as ReadJob;

let credits = job.ahead;
let wake: (() => void) | undefined;
port.on('message', (credit: ReadCredit) => {
  threadBufferPool.give(...credit.recycle);
  credits++;
  wake?.();
});

async function waitForCredit(): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  wake = undefined;
  credits--;
}

async function run(): Promise<void> {
  for (let file = 0; file < job.files.length; file++) {
    const { path, name, skip = 0 } = job.files[file]!;
    const opened = await openWasmParquetFile(path, name);
    let skipping = skip;
    try {
      for await (const decoded of streamWasmBatches(opened, { columns: job.columns, batchSize: job.batchSize })) {
        // The rows the caller has already read are dropped here (the stream's own `offset` option
        // skips rows in every row group, not only in the first).
        let wasmBatch = decoded;
        if (skipping > 0) {
          const rows = decoded.numRows;
          if (rows <= skipping) {
            skipping -= rows;
            decoded.free();
            continue;
          }
          wasmBatch = decoded.slice(skipping, rows - skipping);
          decoded.free();
          skipping = 0;
        }
        const { rows, columns } = copyOut(wasmBatch);
        const byName = new Map(columns.map((column) => [column.name, column]));
        const ordered: ReadColumn[] = job.columns.map((name) => {
          const column = byName.get(name);
          if (column === undefined) throw new MlopsError('SCHEMA_MISMATCH', `${opened.name} has no column "${name}"`, { details: { source: opened.name, column: name } });
          return { values: column.values, nullCount: column.nullCount, ...(column.validity ? { validity: column.validity } : {}) };
        });
        const transfer = new Set<ArrayBuffer>();
        for (const column of ordered) {
          transfer.add(column.values.buffer as ArrayBuffer);
          if (column.validity) transfer.add(column.validity.buffer as ArrayBuffer);
        }
        await waitForCredit();
        const message: ReadMessage = { type: 'batch', file, rows, columns: ordered };
        port.postMessage(message, [...transfer]);
      }
    } finally {
      await opened.close();
    }
  }
}

/** The batch's columns, copied out of wasm memory into buffers of this thread's pool. */
function copyOut(batch: pq.RecordBatch): ReturnType<typeof readCColumns> {
  const exported = batch.intoFFI();
  try {
    // The memory object is fetched after the export: a grown wasm memory has a new buffer.
    return readCColumns(pq.wasmMemory().buffer as ArrayBuffer, exported.arrayAddr(), exported.schemaAddr(), threadBufferPool);
  } finally {
    exported.free();
  }
}

run().then(
  () => port.postMessage({ type: 'end' } satisfies ReadMessage),
  (error: unknown) => {
    const message: ReadMessage =
      error instanceof MlopsError
        ? { type: 'error', code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
        : { type: 'error', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
    port.postMessage(message);
  },
);
