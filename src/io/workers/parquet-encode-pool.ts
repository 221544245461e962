import type { Worker } from 'node:worker_threads';
import { MlopsError } from '../../errors.js';
import { threadBufferPool } from '../buffer-pool.js';
import type { EncodedRowGroup, RowGroupJob } from '../parquet-encode.js';
import type { RowGroupEncoder } from '../parquet-writer.js';
import type { EncodeReply, EncodeRequest } from './parquet-encode-protocol.js';
import { startWorker } from './worker-script.js';

interface PendingJob {
  resolve: (group: EncodedRowGroup) => void;
  reject: (error: unknown) => void;
}

interface PooledWorker {
  worker: Worker;
  pending: Map<number, PendingJob>;
}

/**
 * Worker threads that encode Parquet row groups, so that compression runs on other cores while
 * the calling thread reads and scores. Each job goes to the worker with the fewest jobs queued;
 * results resolve per job, and the writer puts them back in order.
 */
export class ParquetEncodePool implements RowGroupEncoder {
  readonly size: number;
  /** Started at the first job: a pool made ahead of its work costs nothing until then. */
  #workers: PooledWorker[] = [];
  #nextId = 1;
  #closed = false;
  /** Output buffers the writer is done with, to go back to a worker with the next request. */
  #recycled: ArrayBuffer[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new MlopsError('INVALID_ARGUMENT', `A Parquet encoding pool needs at least one worker; got ${size}`);
    this.size = size;
  }

  /** Whether its workers have started (at the first job). */
  get started(): boolean {
    return this.#workers.length > 0;
  }

  encode(job: RowGroupJob, transfer: ArrayBuffer[] = []): Promise<EncodedRowGroup> {
    if (this.#closed) return Promise.reject(new MlopsError('INTERNAL', 'The Parquet encoding pool is closed'));
    if (this.#workers.length === 0) this.#workers = Array.from({ length: this.size }, () => this.#start());
    const target = this.#workers.reduce((best, candidate) => (candidate.pending.size < best.pending.size ? candidate : best));
    const id = this.#nextId++;
    return new Promise<EncodedRowGroup>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.ref();
      const recycle = this.#recycled.splice(0);
      const request: EncodeRequest = { id, ...job, recycle };
      try {
        target.worker.postMessage(request, [...transfer, ...recycle]);
      } catch (error) {
        target.pending.delete(id);
        reject(new MlopsError('INTERNAL', `Could not hand a row group to a Parquet encoding worker: ${String(error)}`, { cause: error }));
      }
    });
  }

  /** Gives an encoded row group's buffer back once its bytes are written. */
  recycle(buffer: ArrayBuffer): void {
    if (!this.#closed && buffer.byteLength > 0 && this.#recycled.length < 2 * this.size) this.#recycled.push(buffer);
  }

  /** Stops the workers; jobs still running are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      this.#workers.map(async ({ worker, pending }) => {
        fail(pending, new MlopsError('ABORTED', 'The Parquet encoding pool was closed before the row group was encoded'));
        await worker.terminate();
      }),
    );
  }

  #start(): PooledWorker {
    const worker = startWorker('parquet-encode-worker.js');
    const pooled: PooledWorker = { worker, pending: new Map() };
    // Only a busy worker keeps the process alive: a pool someone forgot to close must not hang the CLI.
    worker.unref();
    worker.on('message', (reply: EncodeReply) => {
      const job = pooled.pending.get(reply.id);
      if (job === undefined) return;
      pooled.pending.delete(reply.id);
      if (pooled.pending.size === 0) worker.unref();
      // The row group's input buffers, back for the next batches.
      threadBufferPool.give(...reply.returned);
      if (reply.ok) job.resolve(reply.group);
      else job.reject(new MlopsError('INTERNAL', `Encoding a Parquet row group failed: ${reply.message}`));
    });
    worker.on('error', (error) => fail(pooled.pending, new MlopsError('INTERNAL', `A Parquet encoding worker crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.#closed) fail(pooled.pending, new MlopsError('INTERNAL', `A Parquet encoding worker exited with code ${code}`));
    });
    return pooled;
  }
}

function fail(pending: Map<number, PendingJob>, error: MlopsError): void {
  for (const job of pending.values()) job.reject(error);
  pending.clear();
}
