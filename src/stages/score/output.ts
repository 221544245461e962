import * as arrow from 'apache-arrow';
import { MlopsError } from '../../errors.js';
import type { ParquetCodec } from '../../io/parquet-encode.js';
import { ParquetStreamWriter, type RowGroupEncoder } from '../../io/parquet-writer.js';
import type { StagedFile, StagedOutput } from './output-files.js';
import { partitionBatch } from './partition.js';

export interface ParquetOutputOptions {
  /** Writes each batch as row groups of these columns (strings may be dictionary-encoded). */
  schema: arrow.Schema;
  encoder: RowGroupEncoder;
  compression: ParquetCodec;
  /** See ParquetStreamWriterOptions.minCompressionSavings. */
  minCompressionSavings?: number;
  /** One file, or a folder of part files. */
  layout: 'file' | 'folder';
  partitionBy?: string;
  /** Distinguishes this run's part files from earlier ones (appends add files next to them). */
  runId: string;
  /** A new part file is started after this many rows (bounds memory when files are collected in memory). */
  maxRowsPerFile?: number;
  /** At most this many partition folders; a column with more distinct values is refused. */
  maxPartitions?: number;
  maxPendingRowGroups?: number;
  signal?: AbortSignal;
}

interface OpenFile {
  staged: StagedFile;
  writer: ParquetStreamWriter;
}

interface PartWriter {
  /** Folder below the output ('' when not partitioned). */
  folder: string;
  schema: arrow.Schema;
  current: OpenFile | undefined;
  parts: number;
}

export const DEFAULT_MAX_PARTITIONS = 1000;

/**
 * Predictions as Parquet: one file, or a folder of part files (`part-00000-<run>.snappy.parquet`),
 * optionally in Hive-style partition folders. Every file is streamed row group by row group;
 * nothing is visible until `commit`.
 */
export class ParquetOutput {
  readonly #files: StagedOutput;
  readonly #options: ParquetOutputOptions;
  readonly #writers = new Map<string, PartWriter>();
  #rows = 0;
  #fileCount = 0;

  constructor(files: StagedOutput, options: ParquetOutputOptions) {
    this.#files = files;
    this.#options = options;
    if (options.partitionBy !== undefined && options.schema.fields.every((field) => field.name !== options.partitionBy)) {
      throw new MlopsError('CONFIG_INVALID', `partition_by "${options.partitionBy}" is not a column of the predictions (${options.schema.fields.map((f) => f.name).join(', ')})`, {
        details: { parameter: 'partition_by', column: options.partitionBy },
      });
    }
  }

  get rows(): number {
    return this.#rows;
  }

  /** Takes ownership of the batch: its buffers may be moved to an encoding worker. */
  async write(batch: arrow.RecordBatch): Promise<void> {
    if (batch.numRows === 0) return;
    this.#rows += batch.numRows;
    if (this.#options.partitionBy === undefined) {
      await this.#writeTo('', this.#options.schema, batch);
      return;
    }
    for (const slice of partitionBatch(batch, this.#options.partitionBy)) {
      if (!this.#writers.has(slice.folder) && this.#writers.size >= (this.#options.maxPartitions ?? DEFAULT_MAX_PARTITIONS)) {
        throw new MlopsError(
          'CONFIG_INVALID',
          `partition_by "${this.#options.partitionBy}" gives more than ${this.#options.maxPartitions ?? DEFAULT_MAX_PARTITIONS} partitions; pick a column with fewer distinct values`,
          { details: { parameter: 'partition_by' } },
        );
      }
      await this.#writeTo(slice.folder, slice.batch.schema, slice.batch);
    }
  }

  /** Finishes every file, then publishes the output. Returns the rows and files written. */
  async commit(): Promise<{ rows: number; files: number }> {
    // An empty input still gets a file, so that readers find the schema.
    if (this.#writers.size === 0) await this.#open(this.#writer('', this.#options.schema));
    for (const part of this.#writers.values()) await this.#close(part);
    await this.#files.commit();
    return { rows: this.#rows, files: this.#fileCount };
  }

  async abort(): Promise<void> {
    await this.#files.abort();
  }

  async #writeTo(folder: string, schema: arrow.Schema, batch: arrow.RecordBatch): Promise<void> {
    const part = this.#writer(folder, schema);
    if (part.current !== undefined && part.current.writer.rows >= (this.#options.maxRowsPerFile ?? Infinity)) await this.#close(part);
    const file = part.current ?? (await this.#open(part));
    await file.writer.write(batch, { transfer: true });
  }

  #writer(folder: string, schema: arrow.Schema): PartWriter {
    let part = this.#writers.get(folder);
    if (part === undefined) {
      part = { folder, schema, current: undefined, parts: 0 };
      this.#writers.set(folder, part);
    }
    return part;
  }

  async #open(part: PartWriter): Promise<OpenFile> {
    const suffix = this.#options.compression === 'snappy' ? '.snappy.parquet' : '.parquet';
    const name = `part-${String(part.parts).padStart(5, '0')}-${this.#options.runId}${suffix}`;
    const relative = this.#options.layout === 'file' ? '' : part.folder === '' ? name : `${part.folder}/${name}`;
    part.parts++;
    const staged = await this.#files.create(relative);
    const writer = new ParquetStreamWriter(part.schema, staged.sink, {
      compression: this.#options.compression,
      ...(this.#options.minCompressionSavings === undefined ? {} : { minCompressionSavings: this.#options.minCompressionSavings }),
      encoder: this.#options.encoder,
      ...(this.#options.maxPendingRowGroups === undefined ? {} : { maxPending: this.#options.maxPendingRowGroups }),
      target: relative === '' ? this.#files.location : `${relative} in ${this.#files.location}`,
      ...(this.#options.signal === undefined ? {} : { signal: this.#options.signal }),
    });
    part.current = { staged, writer };
    this.#fileCount++;
    return part.current;
  }

  async #close(part: PartWriter): Promise<void> {
    const file = part.current;
    if (file === undefined) return;
    part.current = undefined;
    await file.writer.finish();
    await file.staged.close();
  }
}
