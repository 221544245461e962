import * as fs from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../errors.js';
import { toMlopsError } from './fs-errors.js';
import { threadBufferPool } from './buffer-pool.js';
import { batchColumns, parquetColumnSpecs } from './parquet-columns.js';
import {
  encodeParquetFooter,
  encodeRowGroupJob,
  PARQUET_MAGIC,
  type EncodedRowGroup,
  type ParquetCodec,
  type ParquetColumnSpec,
  type ParquetColumnValues,
  type PlacedRowGroup,
  type RowGroupJob,
} from './parquet-encode.js';

/** Encodes row groups: in this thread, or in worker threads (ParquetEncodePool). */
export interface RowGroupEncoder {
  /** `transfer`: buffers the caller hands over (they may be moved to another thread, then reused). */
  encode(job: RowGroupJob, transfer?: ArrayBuffer[]): Promise<EncodedRowGroup>;
  /** Takes back the buffer of an encoded row group once its bytes have been written. */
  recycle?(buffer: ArrayBuffer): void;
}

/** How often (in row groups) a column stored uncompressed is sampled again, and a PLAIN numeric column tried with a dictionary again. */
const RECHECK_EVERY = 16;

/** Encodes on the calling thread: no start-up cost, for small outputs. */
export const inThreadEncoder: RowGroupEncoder = {
  encode: async (job, transfer = []) => {
    const group = encodeRowGroupJob(job);
    // Handed over and now encoded: the buffers can serve the next batches.
    threadBufferPool.give(...transfer);
    return group;
  },
};

/** Where a Parquet file's bytes go, in order. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

export interface ParquetStreamWriterOptions {
  /** Default snappy, what Spark and DuckDB write by default. */
  compression?: ParquetCodec;
  /** With snappy: store a column chunk uncompressed when a sample compresses by less than this (default 0: never). */
  minCompressionSavings?: number;
  /** Default inThreadEncoder. */
  encoder?: RowGroupEncoder;
  /** Row groups being encoded at once before `write` waits; default 4. Bounds the memory in flight. */
  maxPending?: number;
  /** Names the output in error messages. */
  target?: string;
  signal?: AbortSignal;
}

export interface ParquetWriteSummary {
  rows: number;
  bytes: number;
  rowGroups: number;
}

/**
 * Writes a Parquet file one row group per record batch, without ever holding more than
 * `maxPending` batches: encoding happens in the encoder (worker threads), while the caller
 * prepares the next batch; encoded row groups are written in the order they were given.
 */
export class ParquetStreamWriter {
  readonly schema: arrow.Schema;
  readonly specs: ParquetColumnSpec[];
  readonly #sink: ByteSink;
  readonly #codec: ParquetCodec;
  readonly #minSavings: number;
  /**
   * Columns whose last sampled row group was not worth compressing: later row groups skip the
   * sample (and store them uncompressed), except every RECHECK_EVERY-th, which samples again.
   */
  #uncompressed: boolean[];
  /** Likewise, numeric columns whose last row group had too many distinct values for a dictionary. */
  #plain: boolean[];
  #groups = 0;
  readonly #encoder: RowGroupEncoder;
  readonly #maxPending: number;
  readonly #target: string;
  readonly #signal: AbortSignal | undefined;
  #pending: { rows: number; group: Promise<EncodedRowGroup> }[] = [];
  #placed: PlacedRowGroup[] = [];
  #offset = 0;
  #rows = 0;
  #finished = false;

  constructor(schema: arrow.Schema, sink: ByteSink, options: ParquetStreamWriterOptions = {}) {
    this.schema = schema;
    this.specs = parquetColumnSpecs(schema);
    this.#sink = sink;
    this.#codec = options.compression ?? 'snappy';
    if (this.#codec !== 'snappy' && this.#codec !== 'none') {
      throw new MlopsError('INVALID_ARGUMENT', `Unknown Parquet compression ${JSON.stringify(this.#codec)} for the streaming writer; expected snappy or none`);
    }
    this.#minSavings = options.minCompressionSavings ?? 0;
    this.#uncompressed = this.specs.map(() => false);
    this.#plain = this.specs.map(() => false);
    this.#encoder = options.encoder ?? inThreadEncoder;
    this.#maxPending = options.maxPending ?? 4;
    this.#target = options.target ?? 'the Parquet output';
    this.#signal = options.signal;
  }

  /** Rows accepted so far (written or being encoded). */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Queues one batch as one row group. With `transfer`, the batch's buffers are moved to the
   * encoding thread instead of copied, and the batch must not be used afterwards.
   */
  async write(batch: arrow.RecordBatch, options: { transfer?: boolean } = {}): Promise<void> {
    if (this.#finished) throw new MlopsError('INTERNAL', `Cannot write to ${this.#target}: the writer is finished`);
    throwIfAborted(this.#signal);
    this.#checkSchema(batch.schema);
    if (batch.numRows === 0) return;
    const { columns, transferable } = batchColumns(batch, this.specs);
    const recheck = this.#groups++ % RECHECK_EVERY === 0;
    const job: RowGroupJob = { specs: this.specs, columns, rows: batch.numRows, codec: this.#codec, minSavings: this.#minSavings };
    if (this.#minSavings > 0 && !recheck && this.#uncompressed.some(Boolean)) job.uncompressed = [...this.#uncompressed];
    if (!recheck && this.#plain.some(Boolean)) job.plain = [...this.#plain];
    const group = this.#encoder.encode(job, options.transfer ? transferable : []);
    // Failures surface when the group's turn to be written comes; until then nobody awaits it.
    group.catch(() => undefined);
    this.#pending.push({ rows: batch.numRows, group });
    this.#rows += batch.numRows;
    while (this.#pending.length > this.#maxPending) await this.#writeNext();
  }

  /** Writes what is still being encoded, then the footer. Returns what the file holds. */
  async finish(): Promise<ParquetWriteSummary> {
    if (this.#finished) throw new MlopsError('INTERNAL', `${this.#target} was already finished`);
    while (this.#pending.length > 0) await this.#writeNext();
    if (this.#offset === 0) await this.#append(PARQUET_MAGIC);
    await this.#append(encodeParquetFooter(this.specs, this.#placed));
    this.#finished = true;
    return { rows: this.#rows, bytes: this.#offset, rowGroups: this.#placed.length };
  }

  async #writeNext(): Promise<void> {
    const next = this.#pending.shift()!;
    const group = await next.group;
    throwIfAborted(this.#signal);
    if (this.#offset === 0) await this.#append(PARQUET_MAGIC);
    this.#placed.push({ fileOffset: this.#offset, rows: group.rows, columns: group.columns });
    if (this.#minSavings > 0 && this.#codec === 'snappy') group.columns.forEach((chunk, index) => (this.#uncompressed[index] = chunk.codec === 0));
    group.columns.forEach((chunk, index) => (this.#plain[index] = this.specs[index]!.kind !== 'string' && chunk.dictionaryPageOffset === undefined && chunk.numValues > chunk.nullCount));
    await this.#append(group.bytes.subarray(0, group.length));
    this.#encoder.recycle?.(group.bytes.buffer as ArrayBuffer);
  }

  async #append(bytes: Uint8Array): Promise<void> {
    await this.#sink.write(bytes);
    this.#offset += bytes.length;
  }

  #checkSchema(found: arrow.Schema): void {
    if (found === this.schema) return;
    const same =
      found.fields.length === this.schema.fields.length &&
      this.schema.fields.every((field, index) => {
        const other = found.fields[index]!;
        return other.name === field.name && sameLogicalType(field.type, other.type);
      });
    if (!same) {
      const describe = (schema: arrow.Schema) => schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
      throw new MlopsError('SCHEMA_MISMATCH', `Cannot write a batch with columns [${describe(found)}] to ${this.#target}, whose columns are [${describe(this.schema)}]`, {
        details: { target: this.#target },
      });
    }
  }
}

/** Dictionary-encoded and plain strings are the same Parquet column; other types must match exactly. */
function sameLogicalType(a: arrow.DataType, b: arrow.DataType): boolean {
  const unwrap = (type: arrow.DataType) => (arrow.DataType.isDictionary(type) ? type.dictionary : type);
  return arrow.util.compareTypes(unwrap(a), unwrap(b));
}

/** Bytes written between background flushes of a FileSink. */
const BACKGROUND_FLUSH_BYTES = 32 * 1024 * 1024;

/** A local file written sequentially; `close` fsyncs it. */
export class FileSink implements ByteSink {
  readonly path: string;
  #handle: fs.FileHandle;
  #unflushed = 0;
  /** A flush started in the background, with its failure kept for close() to report. */
  #flushing: Promise<unknown> | undefined;

  private constructor(path: string, handle: fs.FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /** Creates the file; it must not exist yet (sinks write temporary files that are renamed into place). */
  static async create(path: string, displayName = path): Promise<FileSink> {
    try {
      return new FileSink(path, await fs.open(path, 'wx'));
    } catch (error) {
      throw toMlopsError(error, `create ${displayName}`);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.#handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    this.#unflushed += bytes.length;
    // Without this the kernel would hold every page until close(): fsync of ~250 MB of scores
    // took ~165 ms there. Flushed as it grows, on a libuv thread, the disk works while we compute.
    if (this.#unflushed >= BACKGROUND_FLUSH_BYTES && this.#flushing === undefined) {
      this.#unflushed = 0;
      const flushing = this.#handle.datasync().then(
        () => {
          if (this.#flushing === flushing) this.#flushing = undefined;
        },
        (error: unknown) => error,
      );
      this.#flushing = flushing;
    }
  }

  async close(options: { sync?: boolean } = {}): Promise<void> {
    try {
      const failed = await this.#flushing;
      if (failed !== undefined) throw toMlopsError(failed, `flush ${this.path} to disk`);
      if (options.sync ?? true) await this.#handle.sync();
    } finally {
      await this.#handle.close();
    }
  }
}

/** Collects a file in memory, for stores that take whole files (VolumeStore.write). */
export class MemorySink implements ByteSink {
  #chunks: Uint8Array[] = [];
  #length = 0;

  async write(bytes: Uint8Array): Promise<void> {
    // Copied: the bytes may be a view on a buffer the writer reuses.
    this.#chunks.push(bytes.slice());
    this.#length += bytes.length;
  }

  get length(): number {
    return this.#length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/** Record batches (of one schema) as one Parquet file in memory, a row group per batch, snappy-compressed. */
export async function encodeParquet(batches: readonly arrow.RecordBatch[], target: string, signal?: AbortSignal): Promise<Uint8Array> {
  const first = batches[0];
  if (first === undefined) throw new RangeError(`encodeParquet needs at least one batch for ${target}`);
  const sink = new MemorySink();
  const writer = new ParquetStreamWriter(first.schema, sink, { compression: 'snappy', target, ...(signal ? { signal } : {}) });
  for (const batch of batches) await writer.write(batch);
  await writer.finish();
  return sink.bytes();
}
