import type { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { threadBufferPool } from '../buffer-pool.js';
import type { ReadCredit, ReadJob, ReadMessage } from './parquet-read-protocol.js';
import { startWorker } from './worker-script.js';

export interface ReadAheadFile {
  path: string;
  /** Names the file in errors and in `source`. */
  name: string;
  /** The file's schema (from its footer): gives the columns their Arrow types. */
  schema: arrow.Schema;
  /**
   * Rows at the start of the file not to hand over (the caller has them already); default 0. They
   * are still decoded: parquet-wasm's stream applies `offset` to every row group, not to the file.
   */
  skip?: number;
}

export interface ReadAheadOptions {
  /** Numeric columns (float or integer) present in every file. */
  columns: readonly string[];
  batchSize: number;
  /** Batches decoded ahead of the consumer; default DEFAULT_AHEAD. */
  ahead?: number;
  /**
   * The worker starts at `start()` (or when `batches()` is first iterated) instead of at once: for a
   * caller with its own work to finish first, which starting a worker would slow (its spawn runs on
   * the calling thread, ~20 ms, and its start-up takes a core for a few hundred ms). Default false.
   */
  deferStart?: boolean;
  signal?: AbortSignal;
}

export interface ReadAheadBatch {
  batch: arrow.RecordBatch;
  /** Which file (its `name`) the batch came from. */
  source: string;
}

/** Batches decoded ahead by default: the reader outpaces scoring, so a few absorb its jitter (4 × 64Ki rows of four doubles: 8 MiB). */
const DEFAULT_AHEAD = 4;

/**
 * Reads local Parquet files on a worker thread, which starts decoding at once and keeps up to
 * `ahead` record batches ready: the calling thread spends its time on what it does with them
 * (scoring), and whatever it does before its first batch — such as loading TensorFlow.js — runs
 * while the first row groups decode. Batches arrive by transfer; buffers the caller's thread
 * pool gets back (from encoding workers) return to the reader with each credit.
 */
export class ParquetReadAhead {
  #worker: Worker | undefined;
  readonly #job: ReadJob;
  readonly #files: ReadAheadFile[];
  readonly #columns: readonly string[];
  readonly #signal: AbortSignal | undefined;
  #queue: ReadMessage[] = [];
  #waiting: (() => void) | undefined;
  #failure: MlopsError | undefined;
  #closed = false;
  #iterated = false;

  constructor(files: readonly ReadAheadFile[], options: ReadAheadOptions) {
    this.#files = [...files];
    this.#columns = options.columns;
    this.#signal = options.signal;
    const job: ReadJob = {
      files: files.map(({ path, name, skip }) => ({ path, name, ...(skip ? { skip } : {}) })),
      columns: [...options.columns],
      batchSize: options.batchSize,
      ahead: options.ahead ?? DEFAULT_AHEAD,
    };
    this.#job = job;
    if (options.deferStart !== true) this.start();
  }

  /** Starts the worker, if it has not started (or been closed) yet. */
  start(): void {
    if (this.#worker !== undefined || this.#closed) return;
    const worker = startWorker('parquet-read-worker.js', { workerData: this.#job });
    this.#worker = worker;
    // Only a consumer waiting for a batch keeps the process alive: a reader someone forgot to close must not hang the CLI.
    worker.unref();
    worker.on('message', (message: ReadMessage) => this.#push(message));
    worker.on('error', (error) => this.#fail(new MlopsError('INTERNAL', `The Parquet reading worker crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new MlopsError('INTERNAL', `The Parquet reading worker exited with code ${code} before the end of the input`));
    });
  }

  /** Whether the worker has started (see ReadAheadOptions.deferStart). */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  /** Batches decoded and waiting for the consumer. */
  get buffered(): number {
    return this.#queue.filter((message) => message.type === 'batch').length;
  }

  /** The files' rows in order, as record batches with the asked-for columns. Can be iterated once. */
  async *batches(): AsyncGenerator<ReadAheadBatch, void, undefined> {
    if (this.#iterated) throw new MlopsError('INTERNAL', 'ParquetReadAhead.batches() can be iterated only once');
    this.#iterated = true;
    this.start();
    const sizes = new Set<number>();
    try {
      for (;;) {
        throwIfAborted(this.#signal);
        const message = await this.#next();
        if (message.type === 'end') return;
        if (message.type === 'error') throw new MlopsError(message.code, message.message, message.details ? { details: message.details } : {});
        const file = this.#files[message.file]!;
        const batch = toRecordBatch(file, this.#columns, message.rows, message.columns);
        for (const column of message.columns) sizes.add(column.values.byteLength);
        // The credit goes out before the batch is used: the reader works while the caller does.
        const credit: ReadCredit = { recycle: spareBuffers(sizes, message.columns.length) };
        this.#worker!.postMessage(credit, credit.recycle);
        yield { batch, source: file.name };
      }
    } finally {
      await this.close();
    }
  }

  /** Stops the worker; safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker?.terminate();
  }

  #next(): Promise<ReadMessage> {
    return new Promise<ReadMessage>((resolve, reject) => {
      const take = () => {
        if (this.#queue.length > 0) resolve(this.#queue.shift()!);
        else if (this.#failure !== undefined) reject(this.#failure);
        else if (this.#worker === undefined) reject(new MlopsError('INTERNAL', 'The Parquet reader was closed before it started'));
        else {
          this.#waiting = take;
          this.#worker!.ref();
          return;
        }
        if (this.#waiting !== undefined) this.#worker!.unref();
        this.#waiting = undefined;
      };
      take();
    });
  }

  #push(message: ReadMessage): void {
    this.#queue.push(message);
    this.#waiting?.();
  }

  #fail(error: MlopsError): void {
    this.#failure ??= error;
    this.#waiting?.();
  }
}

function toRecordBatch(file: ReadAheadFile, columns: readonly string[], rows: number, received: Extract<ReadMessage, { type: 'batch' }>['columns']): arrow.RecordBatch {
  const fields = columns.map((name) => {
    const field = file.schema.fields.find((candidate) => candidate.name === name);
    if (field === undefined) throw new MlopsError('SCHEMA_MISMATCH', `${file.name} has no column "${name}"`, { details: { source: file.name, column: name } });
    return field;
  });
  const children = received.map((column, index) =>
    arrow.makeData({
      type: fields[index]!.type,
      length: rows,
      nullCount: column.nullCount,
      data: column.values,
      ...(column.validity ? { nullBitmap: column.validity } : {}),
    } as never) as arrow.Data,
  );
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children });
  return new arrow.RecordBatch(new arrow.Schema(fields), struct);
}

/** Idle buffers of the sizes the reader fills, at most one batch's worth. */
function spareBuffers(sizes: ReadonlySet<number>, count: number): ArrayBuffer[] {
  const spare: ArrayBuffer[] = [];
  for (const size of sizes) {
    while (spare.length < count) {
      const buffer = threadBufferPool.takeIdle(size);
      if (buffer === undefined) break;
      spare.push(buffer);
    }
  }
  return spare;
}
