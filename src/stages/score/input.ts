import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { errnoCode, toMlopsError } from '../../io/fs-errors.js';
import { openParquetFile, openParquetRanges, type ParquetSource } from '../../io/parquet.js';
import { canCopyFromC } from '../../io/arrow-c-data.js';
import { ParquetReadAhead } from '../../io/workers/parquet-read-ahead.js';
import type { TableStore, VolumeStore } from '../../workspace/types.js';
import type { DataRef } from './params.js';
import type { BatchOrigin } from './score-batch.js';

/** The rows to score: record batches with the model's feature columns, and where each came from. */
export interface ScoreInput {
  /** What input_path named, for messages. */
  location: string;
  /** Total rows when known up front (Parquet footers), else undefined. */
  rows: number | undefined;
  files: number;
  /** Worker threads decoding the input (0 or 1): the caller leaves them their share of the cores. */
  readerThreads: number;
  /** Iterate once. Ending the iteration (or breaking out of it) releases what the input holds. */
  batches(): AsyncGenerator<{ batch: arrow.RecordBatch; origin: BatchOrigin }, void, undefined>;
  /**
   * Starts decoding ahead on a worker thread, if this input has one: the caller calls it once its
   * first rows are scored, so that the worker's start does not slow them. `batches` starts it at
   * the latest when asked for the batch after the first. Does nothing for other inputs.
   */
  startReading(): void;
  /** Releases the input when `batches` is never iterated to its end (e.g. the model failed to load). */
  close(): Promise<void>;
}

export interface OpenInputOptions {
  featureNames: readonly string[];
  /** The features that are categorical: read as strings, not numbers. */
  categorical?: readonly string[];
  batchSize: number;
  volumes: VolumeStore;
  tables: TableStore;
  /** Relative local paths resolve against this folder (mlops.yml's). */
  baseDir: string;
  /**
   * From this many rows on, local files are decoded on a worker thread, starting at once: the
   * first batches are ready by the time the caller (which may still be loading its model) asks
   * for them. Default: never.
   */
  readAheadMinRows?: number;
  signal?: AbortSignal;
}

/**
 * Opens input_path: a Parquet file, a folder searched recursively for *.parquet (such as the
 * ingest stage's ingested/ingest_date=…/ folders), or a table. Every file's schema is checked for
 * the feature columns before any row is read, so a missing or non-numeric column fails before
 * any output exists. Local files (plain paths, and volumes of a local workspace) are streamed
 * from disk row group by row group; a volume of another backend likewise, by ranged reads.
 */
export async function openScoreInput(ref: DataRef, options: OpenInputOptions): Promise<ScoreInput> {
  if (ref.kind === 'table') return openTableInput(ref.name, options);
  const local = localPathOf(ref.path, options);
  if (local !== undefined) return openLocalInput(ref.path, local, options);
  return openVolumeInput(ref.path, options);
}

/** The file on local disk behind a path, when there is one: plain paths, and /Volumes/ of a local workspace. */
function localPathOf(inputPath: string, options: OpenInputOptions): string | undefined {
  if (!inputPath.startsWith('/Volumes/')) return path.resolve(options.baseDir, inputPath);
  // Duck-typed on purpose: stages do not import concrete backends.
  const store = options.volumes as VolumeStore & { localPath?: (volumePath: string) => string };
  return typeof store.localPath === 'function' ? store.localPath(inputPath) : undefined;
}

async function openLocalInput(location: string, local: string, options: OpenInputOptions): Promise<ScoreInput> {
  const files = await listLocalParquet(local, location);
  // Every footer is checked now; files are opened again one at a time when streamed.
  let rows = 0;
  const schemas: arrow.Schema[] = [];
  // The first batch of the first file with rows: its file and its size (as the file's stream cuts it).
  let first: { index: number; group: number; rows: number } | undefined;
  // That file stays open: its first batch may be decoded here (see below).
  let firstSource: ParquetSource | undefined;
  try {
    for (const [index, file] of files.entries()) {
      throwIfAborted(options.signal);
      const source = await openParquetFile(file.path, { name: file.name });
      try {
        checkFeatures(source.schema, options.featureNames, source.name, options.categorical);
        rows += source.rows;
        schemas.push(source.schema);
        const group = source.rowGroupRows.findIndex((groupRows) => groupRows > 0);
        if (first === undefined && group >= 0) {
          first = { index, group, rows: Math.min(options.batchSize, source.rowGroupRows[group]!) };
          firstSource = source;
        }
      } finally {
        if (source !== firstSource) await source.close();
      }
    }
  } catch (error) {
    await firstSource?.close();
    throw error;
  }
  // The reader thread hands columns over as numeric buffers (canCopyFromC): string (categorical)
  // features are decoded on this thread instead — same rows, same batches.
  const copyable = schemas.every((schema) => options.featureNames.every((name) => {
    const field = schema.fields.find((f) => f.name === name);
    return field !== undefined && canCopyFromC(field.type);
  }));
  if (copyable && options.readAheadMinRows !== undefined && rows >= options.readAheadMinRows && first !== undefined) {
    // The first batch is decoded here (parquet-wasm is loaded on this thread already) while the
    // worker starts — a new isolate that loads its modules and compiles parquet-wasm again — and
    // reads on from the batch after it.
    const firstBatch = first;
    const opened = firstSource!;
    const reader = new ParquetReadAhead(
      files.slice(firstBatch.index).map((file, index) => ({ ...file, schema: schemas[firstBatch.index + index]!, ...(index === 0 ? { skip: firstBatch.rows } : {}) })),
      { columns: options.featureNames, batchSize: options.batchSize, deferStart: true, ...(options.signal ? { signal: options.signal } : {}) },
    );
    return {
      location,
      rows,
      files: files.length,
      readerThreads: 1,
      startReading: () => reader.start(),
      async *batches() {
        const file = files[firstBatch.index]!;
        try {
          // Only the first batch's rows are decoded here (memory: a batch, not a row group); the worker hands over the rows after it.
          for await (const { batch, origin } of sourceBatches(opened, { ...options, only: { group: firstBatch.group, rows: firstBatch.rows } })) {
            if (batch.numRows !== firstBatch.rows) {
              throw new MlopsError('INTERNAL', `${file.name}: the first batch has ${batch.numRows} rows; its first row group promised ${firstBatch.rows}`);
            }
            yield { batch, origin };
            break;
          }
        } finally {
          await opened.close();
        }
        let source = file.name;
        let firstRow = firstBatch.rows;
        for await (const next of reader.batches()) {
          if (next.source !== source) {
            source = next.source;
            firstRow = 0;
          }
          yield { batch: next.batch, origin: { source, firstRow } };
          firstRow += next.batch.numRows;
        }
      },
      close: async () => {
        await opened.close();
        await reader.close();
      },
    };
  }
  await firstSource?.close();
  return {
    location,
    rows,
    files: files.length,
    readerThreads: 0,
    startReading: () => undefined,
    close: async () => undefined,
    async *batches() {
      for (const file of files) {
        const source = await openParquetFile(file.path, { name: file.name });
        try {
          yield* sourceBatches(source, options);
        } finally {
          await source.close();
        }
      }
    },
  };
}

async function* sourceBatches(source: ParquetSource, options: OpenInputOptions & { only?: { group: number; rows: number } }): AsyncGenerator<{ batch: arrow.RecordBatch; origin: BatchOrigin }> {
  let firstRow = 0;
  const streamOptions = { columns: options.featureNames, batchSize: options.batchSize, ...(options.only ? { only: options.only } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  for await (const batch of source.batches(streamOptions)) {
    yield { batch, origin: { source: source.name, firstRow } };
    firstRow += batch.numRows;
  }
}

interface LocalFile {
  path: string;
  /** As the user named it: below input_path. */
  name: string;
}

/** The file itself, or every *.parquet below the folder in path order, skipping hidden and _-prefixed names (as Spark does). */
async function listLocalParquet(local: string, location: string): Promise<LocalFile[]> {
  let stats;
  try {
    stats = await fs.stat(local);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      throw new MlopsError('NOT_FOUND', `input_path ${location} does not exist: run data_ingestion_job first or set input_path`, { details: { input_path: location } });
    }
    throw toMlopsError(error, `read input_path ${location}`);
  }
  if (!stats.isDirectory()) return [{ path: local, name: location }];
  const found: LocalFile[] = [];
  const walk = async (directory: string, shown: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(directory, { withFileTypes: true });
    } catch (error) {
      throw toMlopsError(error, `list ${shown}`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
      const child = path.join(directory, entry.name);
      const childShown = `${shown.replace(/\/$/, '')}/${entry.name}`;
      if (entry.isDirectory()) await walk(child, childShown);
      else if (entry.name.toLowerCase().endsWith('.parquet')) found.push({ path: child, name: childShown });
    }
  };
  await walk(local, location);
  return found;
}

async function openVolumeInput(location: string, options: OpenInputOptions): Promise<ScoreInput> {
  const signal = options.signal ? { signal: options.signal } : {};
  const stat = await options.volumes.stat(location, signal);
  if (!stat) throw new MlopsError('NOT_FOUND', `input_path ${location} does not exist: run data_ingestion_job first or set input_path`, { details: { input_path: location } });
  const files: { path: string; size: number }[] = [];
  if (!stat.isDirectory) {
    files.push({ path: location, size: stat.size });
  } else {
    for await (const entry of options.volumes.list(location, { recursive: true, ...signal })) {
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      const hidden = entry.path.slice(location.length).split('/').some((part) => part.startsWith('.') || part.startsWith('_'));
      if (!entry.isDirectory && !hidden && name.toLowerCase().endsWith('.parquet')) files.push({ path: entry.path, size: entry.size });
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  // Every footer is checked up front (by ranged reads of just the footer) so that a bad file fails
  // before any output. The files stay open, their footers in memory, so streaming reads only row groups.
  const sources: ParquetSource[] = [];
  const closeAll = async (): Promise<void> => {
    for (const source of sources.splice(0)) await source.close();
  };
  let rows = 0;
  try {
    for (const file of files) {
      throwIfAborted(options.signal);
      const source = await openParquetRanges(file.size, (start, end) => options.volumes.readRange(file.path, start, end, signal), file.path);
      sources.push(source);
      checkFeatures(source.schema, options.featureNames, file.path, options.categorical);
      rows += source.rows;
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    location,
    rows,
    files: files.length,
    readerThreads: 0,
    startReading: () => undefined,
    close: closeAll,
    async *batches() {
      try {
        for (const source of [...sources]) {
          yield* sourceBatches(source, options);
          await source.close();
        }
      } finally {
        await closeAll();
      }
    },
  };
}

async function openTableInput(name: string, options: OpenInputOptions): Promise<ScoreInput> {
  const signal = options.signal ? { signal: options.signal } : {};
  const info = await options.tables.describe(name, signal);
  checkFeatures(info.schema, options.featureNames, `table ${name}`, options.categorical);
  return {
    location: name,
    rows: undefined,
    files: 1,
    readerThreads: 0,
    startReading: () => undefined,
    close: async () => undefined,
    async *batches() {
      let firstRow = 0;
      for await (const batch of options.tables.read(name, signal)) {
        // Table parts come as whole record batches; slice them to batch_size.
        for (let offset = 0; offset < batch.numRows; offset += options.batchSize) {
          const slice = batch.slice(offset, Math.min(batch.numRows, offset + options.batchSize));
          yield { batch: slice, origin: { source: `table ${name}`, firstRow } };
          firstRow += slice.numRows;
        }
      }
    },
  };
}

/** Every feature must be a numeric column (a categorical one a string column): fails naming the file (or table) and the column. */
export function checkFeatures(schema: arrow.Schema, featureNames: readonly string[], source: string, categorical: readonly string[] = []): void {
  for (const name of featureNames) {
    const field = schema.fields.find((candidate) => candidate.name === name);
    if (field === undefined) {
      throw new MlopsError('SCHEMA_MISMATCH', `${source}: feature column "${name}" is missing (expected ${featureNames.join(', ')}; found ${schema.fields.map((f) => f.name).join(', ')})`, {
        details: { source, column: name },
      });
    }
    if (categorical.includes(name)) {
      const text = arrow.DataType.isUtf8(field.type) || arrow.DataType.isLargeUtf8(field.type) || (arrow.DataType.isDictionary(field.type) && arrow.DataType.isUtf8(field.type.dictionary));
      if (!text) {
        throw new MlopsError('SCHEMA_MISMATCH', `${source}: feature column "${name}" is categorical and must be a string column, found ${String(field.type)}`, {
          details: { source, column: name, type: String(field.type) },
        });
      }
      continue;
    }
    const numeric = (arrow.DataType.isFloat(field.type) && field.type.precision !== arrow.Precision.HALF) || arrow.DataType.isInt(field.type);
    if (!numeric) {
      throw new MlopsError('SCHEMA_MISMATCH', `${source}: feature column "${name}" must be numeric (a float or an integer), found ${String(field.type)}`, {
        details: { source, column: name, type: String(field.type) },
      });
    }
  }
}
