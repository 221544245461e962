import * as arrow from 'apache-arrow';
import * as pq from './parquet-wasm.js';
import { stat, readFile } from 'node:fs/promises';
import { MlopsError, throwIfAborted } from '../errors.js';
import { toMlopsError } from './fs-errors.js';
import { decodeOwnParquet, openOwnParquet, type OwnParquetFile } from './parquet-decode.js';
import { parquetRowGroupRows } from './parquet-footer.js';
import { checkParquetMagic } from './parquet-magic.js';
import { canCopyFromC, copyRecordBatchFromC } from './arrow-c-data.js';
import { threadBufferPool } from './buffer-pool.js';
import { describe, openWasmParquetBytes, openWasmParquetFile, openWasmParquetRanges, streamWasmBatches, type ReadRange, type WasmParquetFile } from './parquet-file.js';

export type ParquetCompression = 'snappy' | 'zstd' | 'none';

export interface ParquetWriteOptions {
  /** Default snappy: what Spark and Databricks write by default, and readable by every Parquet reader. */
  compression?: ParquetCompression;
}

export interface ParquetReadOptions {
  /** Rows per record batch; default DEFAULT_PARQUET_BATCH_SIZE. */
  batchSize?: number;
  /** Names the bytes (a file path) in error messages. */
  source?: string;
}

/**
 * parquet-wasm's own default is 1,024 rows per batch, which made reading 10M rows 40% slower than
 * large batches; 64Ki rows keeps per-batch overhead negligible while a batch still fits easily in memory.
 */
export const DEFAULT_PARQUET_BATCH_SIZE = 65_536;

const COMPRESSION: Record<ParquetCompression, pq.Compression> = {
  snappy: pq.Compression.SNAPPY,
  zstd: pq.Compression.ZSTD,
  none: pq.Compression.UNCOMPRESSED,
};

/** Serializes an Arrow table to Parquet bytes (through an Arrow IPC stream into parquet-wasm). */
export function tableToParquet(table: arrow.Table, options: ParquetWriteOptions = {}): Uint8Array {
  const compression = options.compression ?? 'snappy';
  if (!(compression in COMPRESSION)) {
    throw new MlopsError('INVALID_ARGUMENT', `Unknown Parquet compression ${JSON.stringify(compression)}; expected snappy, zstd or none`);
  }
  // Dictionary pages pay off for repetitive strings but only cost time and space on numbers.
  let builder = new pq.WriterPropertiesBuilder().setCompression(COMPRESSION[compression]).setDictionaryEnabled(false);
  for (const field of table.schema.fields) {
    if (isStringLike(field.type)) builder = builder.setColumnDictionaryEnabled(field.name, true);
  }
  const properties = builder.build();
  let wasmTable: pq.Table;
  try {
    wasmTable = pq.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  } catch (error) {
    properties.free();
    throw new MlopsError('INVALID_ARGUMENT', `Cannot convert the Arrow table to Parquet: ${describe(error)}`, { cause: error });
  }
  try {
    // writeParquet takes ownership of both wasm objects, so they are not freed here.
    return pq.writeParquet(wasmTable, properties);
  } catch (error) {
    throw new MlopsError('INTERNAL', `Writing Parquet failed: ${describe(error)}`, { cause: error });
  }
}

/**
 * Files up to this size are opened for streaming by reading them whole (parquetBytesSource): our
 * decoder for files our encoder wrote, parquet-wasm's synchronous reader for the others. Neither
 * needs parquet-wasm's asynchronous reader, which V8 compiles on its first use (~30 ms of a cold
 * run). Larger files stream from disk a row group at a time (memory: about a row group).
 */
export const WHOLE_FILE_MAX_BYTES = 8 * 1024 * 1024;

/** Reads all of a Parquet file's rows into one Arrow table. */
export function parquetToTable(bytes: Uint8Array, options: ParquetReadOptions = {}): arrow.Table {
  const batchSize = checkBatchSize(options.batchSize);
  const own = decodeOwnParquet(bytes);
  if (own !== undefined) return new arrow.Table(own.schema, [...splitBatches(own.batches, batchSize)]);
  const wasmTable = readWasmTable(bytes, options);
  // intoIPCStream consumes the wasm table, so there is nothing left to free.
  return arrow.tableFromIPC(wasmTable.intoIPCStream());
}

/**
 * Reads a Parquet file as Arrow record batches, converting one batch at a time to JavaScript memory.
 * The decoded file stays in wasm memory until the iteration ends (or is abandoned with `break`).
 */
export function* readParquetBatches(bytes: Uint8Array, options: ParquetReadOptions = {}): Generator<arrow.RecordBatch, void, undefined> {
  const batchSize = checkBatchSize(options.batchSize);
  const own = decodeOwnParquet(bytes);
  if (own !== undefined) {
    yield* splitBatches(own.batches, batchSize);
    return;
  }
  const wasmTable = readWasmTable(bytes, options);
  try {
    const count = wasmTable.numBatches;
    for (let index = 0; index < count; index++) {
      const wasmBatch = wasmTable.recordBatch(index);
      if (wasmBatch === undefined) break;
      yield* arrow.tableFromIPC(wasmBatch.intoIPCStream()).batches;
    }
  } finally {
    wasmTable.free();
  }
}

function checkBatchSize(batchSize = DEFAULT_PARQUET_BATCH_SIZE): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new MlopsError('INVALID_ARGUMENT', `Parquet batchSize must be a positive integer; found ${batchSize}`);
  }
  return batchSize;
}

/** Record batches of at most `batchSize` rows, in order (slices share the batches' buffers). */
function* splitBatches(batches: Iterable<arrow.RecordBatch>, batchSize: number): Generator<arrow.RecordBatch, void, undefined> {
  for (const batch of batches) {
    if (batch.numRows <= batchSize) yield batch;
    else for (let start = 0; start < batch.numRows; start += batchSize) yield batch.slice(start, start + batchSize);
  }
}

function readWasmTable(bytes: Uint8Array, options: ParquetReadOptions): pq.Table {
  const batchSize = checkBatchSize(options.batchSize);
  checkParquetMagic(bytes.subarray(0, 4), bytes.subarray(Math.max(0, bytes.byteLength - 4)), bytes.byteLength, options.source ?? 'Parquet bytes');
  try {
    return pq.readParquet(bytes, { batchSize });
  } catch (error) {
    const what = options.source === undefined ? 'Parquet data' : `Parquet file ${options.source}`;
    throw new MlopsError('CORRUPT', `Cannot read ${what} (${bytes.byteLength} bytes): ${describe(error)}`, {
      cause: error,
      details: { source: options.source, bytes: bytes.byteLength },
    });
  }
}

function isStringLike(type: arrow.DataType): boolean {
  return arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type) || arrow.DataType.isDictionary(type);
}


/** A Parquet file opened by its footer, whose row groups are read only when streamed. */
export interface ParquetSource {
  /** The file's columns as Arrow types. */
  schema: arrow.Schema;
  rows: number;
  rowGroups: number;
  /** Rows per row group, in order. */
  rowGroupRows: number[];
  /** Names the file in error messages. */
  name: string;
  /** The file's rows as record batches of at most `batchSize` rows, only the `columns` asked for. */
  batches(options?: ParquetStreamOptions): AsyncGenerator<arrow.RecordBatch, void, undefined>;
  /** Frees the wasm-side reader and closes the file. */
  close(): Promise<void>;
}

export interface ParquetStreamOptions {
  /** Column names to read (default all), in the file's order. */
  columns?: readonly string[];
  /** Default DEFAULT_PARQUET_BATCH_SIZE. */
  batchSize?: number;
  /** Only the first `rows` rows of row group `group`: its other rows are not decoded. */
  only?: { group: number; rows: number };
  signal?: AbortSignal;
}

/**
 * Opens a Parquet file on local disk for streaming: only the footer is read now, and each row
 * group's column chunks are read from disk when the stream reaches them, so memory stays at about
 * one row group whatever the file's size.
 */
export async function openParquetFile(path: string, options: { name?: string } = {}): Promise<ParquetSource> {
  const name = options.name ?? path;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw toMlopsError(error, `open ${name}`);
  }
  if (size <= WHOLE_FILE_MAX_BYTES) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw toMlopsError(error, `read ${name}`);
    }
    return parquetBytesSource(bytes, name);
  }
  return sourceOf(await openWasmParquetFile(path, name));
}

/** The same over bytes already in memory (a file read through a VolumeStore). */
export async function openParquetBytes(bytes: Uint8Array, name: string): Promise<ParquetSource> {
  return bytes.byteLength <= WHOLE_FILE_MAX_BYTES ? parquetBytesSource(bytes, name) : sourceOf(await openWasmParquetBytes(bytes, name));
}

/**
 * The batch with only `columns` (in that order), sharing its buffers. Built by hand: Arrow JS's
 * RecordBatch.select paired a subset's fields with the wrong children (seen with 4 of 11 columns).
 */
function selectColumns(batch: arrow.RecordBatch, columns: readonly string[]): arrow.RecordBatch {
  const indices = columns.map((column) => batch.schema.fields.findIndex((field) => field.name === column));
  const schema = new arrow.Schema(indices.map((index) => batch.schema.fields[index]!), batch.schema.metadata);
  const children = indices.map((index) => batch.getChildAt(index)!.data[0]!);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/** The columns asked for (default all), each checked to be in the file. */
function checkColumns(schema: arrow.Schema, columns: readonly string[] | undefined, name: string): readonly string[] {
  const wanted = columns ?? schema.fields.map((field) => field.name);
  for (const column of wanted) {
    if (schema.fields.every((field) => field.name !== column)) {
      throw new MlopsError('SCHEMA_MISMATCH', `Parquet file ${name} has no column "${column}"`, { details: { source: name, column } });
    }
  }
  return wanted;
}

/**
 * The same over any ranged reader of a file of `size` bytes (a file on a volume of another
 * backend): the footer is read now, each row group's column chunks when the stream reaches them.
 */
export async function openParquetRanges(size: number, read: ReadRange, name: string): Promise<ParquetSource> {
  return sourceOf(await openWasmParquetRanges(size, read, name));
}

/**
 * A ParquetSource over a whole file already in memory, one row group decoded at a time: by our
 * decoder when our encoder wrote the file (only its footer is read now), else by parquet-wasm's
 * synchronous reader. The same schema, row counts and batches as the streaming reader (each batch
 * within one row group, at most batchSize rows, the asked columns in the file's order).
 */
export function parquetBytesSource(bytes: Uint8Array, name: string): ParquetSource {
  const own = openOwnParquet(bytes);
  const rowGroupRows = own?.rowGroupRows ?? parquetRowGroupRows(bytes, name);
  let schema: arrow.Schema;
  if (own !== undefined) {
    schema = own.schema;
  } else {
    try {
      schema = new arrow.MessageReader(pq.readSchema(bytes).intoIPCStream()).readSchema(true)!;
    } catch (error) {
      throw new MlopsError('CORRUPT', `Cannot read the schema of Parquet file ${name}: ${describe(error)}`, { cause: error, details: { source: name } });
    }
  }
  return {
    schema,
    rows: rowGroupRows.reduce((sum, rows) => sum + rows, 0),
    rowGroups: rowGroupRows.length,
    rowGroupRows,
    name,
    batches: (options = {}) => bytesBatches(bytes, name, schema, rowGroupRows, own, options),
    close: async () => undefined,
  };
}

async function* bytesBatches(
  bytes: Uint8Array,
  name: string,
  schema: arrow.Schema,
  rowGroupRows: number[],
  own: OwnParquetFile | undefined,
  options: ParquetStreamOptions,
): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const batchSize = checkBatchSize(options.batchSize);
  const columns = checkColumns(schema, options.columns, name);
  // Every column is decoded; the asked ones are kept, in the file's order (as the streaming reader gives them).
  const kept = schema.fields.map((field) => field.name).filter((column) => columns.includes(column));
  const keepsAll = kept.length === schema.fields.length;
  const groups = options.only === undefined ? rowGroupRows.map((_, index) => index) : [options.only.group];
  for (const group of groups) {
    if (rowGroupRows[group] === 0) continue;
    const decoded = own?.readRowGroup(group);
    const batches = decoded === undefined ? wasmRowGroupBatches(bytes, name, group, rowGroupRows.length, batchSize, options.only?.rows) : splitBatches([options.only === undefined ? decoded : decoded.slice(0, options.only.rows)], batchSize);
    for (const batch of batches) {
      throwIfAborted(options.signal);
      yield keepsAll ? batch : selectColumns(batch, kept);
    }
  }
}

/** One row group (its first `limit` rows, when given) through parquet-wasm's synchronous reader, in batches of at most batchSize rows. */
function* wasmRowGroupBatches(bytes: Uint8Array, name: string, group: number, groups: number, batchSize: number, limit: number | undefined): Generator<arrow.RecordBatch, void, undefined> {
  let table: pq.Table;
  try {
    // A file of one row group is read with the options training's read already used: parquet-wasm
    // compiles its handling of rowGroups and limit on their first use (~10 ms cold).
    const whole = limit === undefined && groups === 1;
    table = pq.readParquet(bytes, whole ? { batchSize } : { batchSize, rowGroups: [group], ...(limit === undefined ? {} : { limit }) });
  } catch (error) {
    throw new MlopsError('CORRUPT', `Cannot read Parquet file ${name}: ${describe(error)}`, { cause: error, details: { source: name } });
  }
  try {
    const count = table.numBatches;
    for (let index = 0; index < count; index++) {
      const batch = table.recordBatch(index);
      if (batch === undefined) break;
      yield arrow.tableFromIPC(batch.intoIPCStream()).batches[0]!;
    }
  } finally {
    table.free();
  }
}

async function sourceOf(opened: WasmParquetFile): Promise<ParquetSource> {
  const { file, name } = opened;
  try {
    // The IPC stream holds the schema message alone: read just that message (tableFromIPC built a
    // reader and an empty table around it, about twice the cold code on the first batch's path).
    const schema = new arrow.MessageReader(file.schema().intoIPCStream()).readSchema(true)!;
    const metadata = file.metadata();
    const rows = metadata.fileMetadata().numRows();
    const rowGroups = metadata.numRowGroups();
    const rowGroupRows = Array.from({ length: rowGroups }, (_, index) => {
      const group = metadata.rowGroup(index);
      try {
        return group.numRows();
      } finally {
        group.free();
      }
    });
    metadata.free();
    return {
      schema,
      rows,
      rowGroups,
      rowGroupRows,
      name,
      batches: (streamOptions = {}) => streamBatches(opened, schema, streamOptions),
      close: () => opened.close(),
    };
  } catch (error) {
    await opened.close();
    throw new MlopsError('CORRUPT', `Cannot read the schema of Parquet file ${name}: ${describe(error)}`, { cause: error, details: { source: name } });
  }
}

async function* streamBatches(opened: WasmParquetFile, schema: arrow.Schema, options: ParquetStreamOptions): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const batchSize = checkBatchSize(options.batchSize);
  const columns = checkColumns(schema, options.columns, opened.name);
  // Numbers are copied straight out of wasm memory; other types take the (slower) IPC route.
  const direct = columns.every((column) => canCopyFromC(schema.fields.find((field) => field.name === column)!.type));
  const only = options.only === undefined ? {} : { rowGroups: [options.only.group], limit: options.only.rows };
  for await (const batch of streamWasmBatches(opened, { columns, batchSize, ...only, ...(options.signal ? { signal: options.signal } : {}) })) {
    yield direct ? copyBatch(batch) : arrow.tableFromIPC(batch.intoIPCStream()).batches[0]!;
  }
}

function copyBatch(batch: pq.RecordBatch): arrow.RecordBatch {
  const exported = batch.intoFFI();
  try {
    // The memory object is fetched after the export: a grown wasm memory has a new buffer.
    return copyRecordBatchFromC(pq.wasmMemory().buffer as ArrayBuffer, exported.arrayAddr(), exported.schemaAddr(), threadBufferPool);
  } finally {
    exported.free();
  }
}
