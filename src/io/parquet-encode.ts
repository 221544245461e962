import { buildFixedDictionary } from './parquet-dictionary.js';
import { snappyCompress, snappyMaxCompressedLength } from './snappy.js';
import { ThriftCompactWriter, ThriftType } from './thrift-compact.js';

/**
 * A Parquet encoder for flat schemas, without Arrow or wasm, so that it runs in worker threads on
 * plain typed arrays (Arrow's buffer layout). One call encodes one row group: per column one
 * optional dictionary page and one data page (v1). Strings are PLAIN or dictionary (RLE_DICTIONARY)
 * as the caller gives them; numbers are RLE_DICTIONARY while a column chunk has few distinct values,
 * else PLAIN; nulls as RLE definition levels; pages SNAPPY or uncompressed.
 * The footer is written separately (`encodeParquetFooter`) once every row group's place is known.
 * Format: https://github.com/apache/parquet-format
 */

export type ParquetColumnKind = 'double' | 'float' | 'int32' | 'int64' | 'timestamp-millis' | 'timestamp-micros' | 'string';
export type ParquetCodec = 'snappy' | 'none';

export interface ParquetColumnSpec {
  name: string;
  kind: ParquetColumnKind;
  nullable: boolean;
  /** Timestamps only: true when the values are instants in UTC (Arrow's timestamp with a time zone). */
  utc?: boolean;
}

/** A column's values for one row group, in Arrow's layout, starting at row 0. */
export type ParquetColumnValues =
  | { layout: 'fixed'; values: Float64Array | Float32Array | Int32Array | BigInt64Array; validity?: Uint8Array }
  | { layout: 'utf8'; offsets: Int32Array; data: Uint8Array; validity?: Uint8Array }
  | { layout: 'dictionary'; indices: Int32Array; dictionary: { offsets: Int32Array; data: Uint8Array }; validity?: Uint8Array };

export interface EncodedColumnChunk {
  /** Byte offsets and sizes are relative to the start of the row group's bytes. */
  dictionaryPageOffset?: number;
  dataPageOffset: number;
  compressedSize: number;
  uncompressedSize: number;
  numValues: number;
  nullCount: number;
  encodings: number[];
  /** Parquet's CompressionCodec number (0 uncompressed, 1 snappy). */
  codec: number;
  /** PLAIN-encoded statistics; absent when there is no non-null, non-NaN value. */
  min?: Uint8Array;
  max?: Uint8Array;
}

export interface EncodedRowGroup {
  /** The row group's bytes: its column chunks in schema order. Only the first `length` bytes count. */
  bytes: Uint8Array;
  length: number;
  rows: number;
  columns: EncodedColumnChunk[];
}

export interface PlacedRowGroup {
  /** Where the row group's bytes start in the file. */
  fileOffset: number;
  rows: number;
  columns: EncodedColumnChunk[];
}

const PhysicalType = { INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;
const ConvertedType = { UTF8: 0, TIMESTAMP_MILLIS: 9, TIMESTAMP_MICROS: 10 } as const;
const CODEC: Record<ParquetCodec, number> = { none: 0, snappy: 1 };

export const PARQUET_MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);
/** How readers that special-case writers (e.g. parquet-mr's statistics checks) see us. */
export const PARQUET_CREATED_BY = 'mlops-e2e version 0.1.0';

export interface EncodeOptions {
  /** Supplies the output buffer (e.g. a recycled one); it must hold at least `minBytes`. */
  allocate?: (minBytes: number) => ArrayBuffer;
  /**
   * With snappy: a column chunk is stored uncompressed when compressing a 64 KiB sample of it saves
   * less than this fraction (default 0, always compress). Parquet sets the codec per column chunk,
   * so every reader handles the mix. Like Arrow IPC's min_space_savings: random-looking doubles
   * (probabilities) cost most of the compression time for little space.
   */
  minSavings?: number;
  /** Columns (by index) to store uncompressed without sampling: an earlier row group found snappy not worth it. */
  uncompressed?: readonly boolean[];
  /** Numeric columns (by index) to write PLAIN without trying a dictionary: an earlier row group had too many distinct values. */
  plain?: readonly boolean[];
}

const SAVINGS_SAMPLE_BYTES = 1 << 16;

/** One row group to encode with the writer's per-column hints: what travels to an encoding worker. */
export interface RowGroupJob {
  specs: ParquetColumnSpec[];
  columns: ParquetColumnValues[];
  rows: number;
  codec: ParquetCodec;
  /** See EncodeOptions.minSavings. */
  minSavings: number;
  /** See EncodeOptions.uncompressed. */
  uncompressed?: boolean[];
  /** See EncodeOptions.plain. */
  plain?: boolean[];
}

/** encodeRowGroup for a job, on whichever thread it runs; `allocate` as in EncodeOptions. */
export function encodeRowGroupJob(job: RowGroupJob, allocate?: (minBytes: number) => ArrayBuffer): EncodedRowGroup {
  return encodeRowGroup(job.specs, job.columns, job.rows, job.codec, {
    minSavings: job.minSavings,
    ...(allocate ? { allocate } : {}),
    ...(job.uncompressed ? { uncompressed: job.uncompressed } : {}),
    ...(job.plain ? { plain: job.plain } : {}),
  });
}

/** Encodes one row group. `columns[i]` holds the values of `specs[i]` for `rows` rows. */
export function encodeRowGroup(specs: readonly ParquetColumnSpec[], columns: readonly ParquetColumnValues[], rows: number, codec: ParquetCodec, options: EncodeOptions = {}): EncodedRowGroup {
  if (specs.length !== columns.length) {
    throw new RangeError(`encodeRowGroup got ${columns.length} columns for a schema of ${specs.length}`);
  }
  // The estimate is an upper bound, so the output never has to grow (and be copied).
  const size = estimateSize(columns, rows, codec);
  const out = new GrowableBytes(size, options.allocate ? new Uint8Array(options.allocate(size)) : undefined);
  const chunks = specs.map((spec, index) =>
    encodeColumnChunk(spec, columns[index]!, rows, options.uncompressed?.[index] ? 'none' : codec, options.minSavings ?? 0, options.plain?.[index] === true, out),
  );
  return { bytes: out.bytes, length: out.length, rows, columns: chunks };
}

/** The file's tail: the FileMetaData, its length and the closing magic. */
export function encodeParquetFooter(specs: readonly ParquetColumnSpec[], rowGroups: readonly PlacedRowGroup[], options: { createdBy?: string; keyValueMetadata?: Record<string, string> } = {}): Uint8Array {
  const w = new ThriftCompactWriter(1024 + rowGroups.length * specs.length * 96);
  w.i32(1, 1);
  w.list(2, ThriftType.STRUCT, specs.length + 1);
  w.beginElement().binary(4, 'schema').i32(5, specs.length).end();
  for (const spec of specs) writeSchemaElement(w, spec);
  w.i64(3, rowGroups.reduce((sum, group) => sum + group.rows, 0));
  w.list(4, ThriftType.STRUCT, rowGroups.length);
  rowGroups.forEach((group, ordinal) => writeRowGroup(w, specs, group, ordinal));
  const metadata = Object.entries(options.keyValueMetadata ?? {});
  if (metadata.length > 0) {
    w.list(5, ThriftType.STRUCT, metadata.length);
    for (const [key, value] of metadata) w.beginElement().binary(1, key).binary(2, value).end();
  }
  w.binary(6, options.createdBy ?? PARQUET_CREATED_BY);
  // TYPE_ORDER for every column: tells readers min_value/max_value use each type's natural order.
  w.list(7, ThriftType.STRUCT, specs.length);
  for (let i = 0; i < specs.length; i++) w.beginElement().struct(1).end().end();
  w.end();
  const metadataBytes = w.finish();
  const tail = new Uint8Array(metadataBytes.length + 8);
  tail.set(metadataBytes, 0);
  new DataView(tail.buffer).setUint32(metadataBytes.length, metadataBytes.length, true);
  tail.set(PARQUET_MAGIC, metadataBytes.length + 4);
  return tail;
}

function writeSchemaElement(w: ThriftCompactWriter, spec: ParquetColumnSpec): void {
  w.beginElement();
  w.i32(1, physicalType(spec.kind));
  w.i32(3, spec.nullable ? Repetition.OPTIONAL : Repetition.REQUIRED);
  w.binary(4, spec.name);
  if (spec.kind === 'string') {
    w.i32(6, ConvertedType.UTF8);
    w.struct(10).struct(1).end().end();
  } else if (spec.kind === 'timestamp-millis' || spec.kind === 'timestamp-micros') {
    const utc = spec.utc ?? true;
    // The legacy converted type means "UTC-adjusted", so it is only written for UTC instants.
    if (utc) w.i32(6, spec.kind === 'timestamp-millis' ? ConvertedType.TIMESTAMP_MILLIS : ConvertedType.TIMESTAMP_MICROS);
    w.struct(10).struct(8).bool(1, utc).struct(2).struct(spec.kind === 'timestamp-millis' ? 1 : 2).end().end().end().end();
  }
  w.end();
}

function writeRowGroup(w: ThriftCompactWriter, specs: readonly ParquetColumnSpec[], group: PlacedRowGroup, ordinal: number): void {
  w.beginElement();
  w.list(1, ThriftType.STRUCT, group.columns.length);
  let totalUncompressed = 0;
  let totalCompressed = 0;
  group.columns.forEach((chunk, index) => {
    const spec = specs[index]!;
    const start = group.fileOffset + (chunk.dictionaryPageOffset ?? chunk.dataPageOffset);
    totalUncompressed += chunk.uncompressedSize;
    totalCompressed += chunk.compressedSize;
    w.beginElement();
    w.i64(2, start);
    w.struct(3);
    w.i32(1, physicalType(spec.kind));
    w.list(2, ThriftType.I32, chunk.encodings.length);
    for (const encoding of chunk.encodings) w.i32Element(encoding);
    w.list(3, ThriftType.BINARY, 1).binaryElement(spec.name);
    w.i32(4, chunk.codec);
    w.i64(5, chunk.numValues);
    w.i64(6, chunk.uncompressedSize);
    w.i64(7, chunk.compressedSize);
    w.i64(9, group.fileOffset + chunk.dataPageOffset);
    if (chunk.dictionaryPageOffset !== undefined) w.i64(11, group.fileOffset + chunk.dictionaryPageOffset);
    w.struct(12);
    w.i64(3, chunk.nullCount);
    if (chunk.max !== undefined && chunk.min !== undefined) w.binary(5, chunk.max).binary(6, chunk.min);
    w.end();
    w.end();
    w.end();
  });
  w.i64(2, totalUncompressed);
  w.i64(3, group.rows);
  w.i64(5, group.fileOffset);
  w.i64(6, totalCompressed);
  w.i16(7, ordinal);
  w.end();
}

function physicalType(kind: ParquetColumnKind): number {
  switch (kind) {
    case 'double':
      return PhysicalType.DOUBLE;
    case 'float':
      return PhysicalType.FLOAT;
    case 'int32':
      return PhysicalType.INT32;
    case 'int64':
    case 'timestamp-millis':
    case 'timestamp-micros':
      return PhysicalType.INT64;
    case 'string':
      return PhysicalType.BYTE_ARRAY;
  }
}

function encodeColumnChunk(
  spec: ParquetColumnSpec,
  column: ParquetColumnValues,
  rows: number,
  requestedCodec: ParquetCodec,
  minSavings: number,
  plain: boolean,
  out: GrowableBytes,
): EncodedColumnChunk {
  let codec = requestedCodec;
  const validity = column.validity;
  const nullCount = validity === undefined ? 0 : rows - countSetBits(validity, rows);
  if (!spec.nullable && nullCount > 0) {
    throw new RangeError(`Column "${spec.name}" is declared non-nullable but has ${nullCount} null value(s)`);
  }
  const start = out.length;
  let uncompressedSize = 0;
  let dictionaryPageOffset: number | undefined;
  const encodings: number[] = [Encoding.PLAIN];
  if (spec.nullable) encodings.push(Encoding.RLE);

  const levels = spec.nullable ? definitionLevels(validity, rows, nullCount) : undefined;
  const page = new GrowableBytes(0, pageScratch);
  if (levels !== undefined) {
    page.u32(levels.length);
    page.append(levels);
  }
  let stats: { min?: Uint8Array; max?: Uint8Array } = {};
  if (column.layout === 'dictionary') {
    dictionaryPageOffset = out.length - start;
    const dictionaryPage = plainByteArrays(column.dictionary.offsets, column.dictionary.data, undefined, dictionarySize(column.dictionary.offsets));
    uncompressedSize += writePage(out, PageType.DICTIONARY_PAGE, dictionaryPage, codec, dictionarySize(column.dictionary.offsets), Encoding.PLAIN);
    encodings.push(Encoding.RLE_DICTIONARY);
    page.append(dictionaryIndices(column.indices, validity, rows, nullCount, dictionarySize(column.dictionary.offsets)));
  } else if (column.layout === 'utf8') {
    page.append(plainByteArrays(column.offsets, column.data, validity, rows));
  } else {
    const dictionary = plain ? undefined : buildFixedDictionary(column.values, nullCount > 0 ? validity : undefined, rows);
    if (dictionary !== undefined) {
      const body = hybridIndices(dictionary.indices, dictionary.count, dictionary.size);
      page.append(body);
      stats = statistics(spec.kind, dictionary.values);
      // The codec is the column chunk's, so it is settled before the dictionary page is written.
      if (codec === 'snappy' && minSavings > 0 && !compressionPaysOff(body, minSavings)) codec = 'none';
      dictionaryPageOffset = out.length - start;
      uncompressedSize += writePage(out, PageType.DICTIONARY_PAGE, dictionary.values, codec, dictionary.size, Encoding.PLAIN);
      encodings.push(Encoding.RLE_DICTIONARY);
    } else {
      const bytes = nonNullValueBytes(column.values, validity, rows, nullCount);
      page.append(bytes);
      stats = statistics(spec.kind, bytes);
      if (codec === 'snappy' && minSavings > 0 && !compressionPaysOff(bytes, minSavings)) codec = 'none';
    }
  }
  const dataPageOffset = out.length - start;
  uncompressedSize += writePage(out, PageType.DATA_PAGE, page.view(), codec, rows, dictionaryPageOffset === undefined ? Encoding.PLAIN : Encoding.RLE_DICTIONARY);
  pageScratch = page.bytes;
  return {
    ...(dictionaryPageOffset === undefined ? {} : { dictionaryPageOffset: dictionaryPageOffset + start }),
    dataPageOffset: dataPageOffset + start,
    compressedSize: out.length - start,
    uncompressedSize,
    numValues: rows,
    nullCount,
    encodings,
    codec: CODEC[codec],
    ...stats,
  };
}

/**
 * Does snappy save at least `minSavings` of these bytes? Judged on a 64 KiB sample from their
 * middle, or on all of them when they are smaller than two samples (a row group's bit-packed
 * dictionary indices often are: ~57 KiB, which snappy hardly shrinks).
 */
function compressionPaysOff(values: Uint8Array, minSavings: number): boolean {
  if (values.length === 0) return true;
  const length = Math.min(values.length, SAVINGS_SAMPLE_BYTES);
  const start = Math.floor((values.length - length) / 2);
  const bound = snappyMaxCompressedLength(length);
  if (compressScratch.length < bound) compressScratch = new Uint8Array(bound);
  const compressed = snappyCompress(values.subarray(start, start + length), compressScratch).length;
  return compressed <= (1 - minSavings) * length;
}

// Reused between row groups (per thread): a page is built here, then compressed into the output.
let pageScratch: Uint8Array = new Uint8Array(1 << 16);
let compressScratch: Uint8Array = new Uint8Array(1 << 16);

/** Writes a page header and body; returns the page's uncompressed size (header included), as the spec counts it. */
function writePage(out: GrowableBytes, type: number, body: Uint8Array, codec: ParquetCodec, numValues: number, encoding: number): number {
  let stored = body;
  if (codec === 'snappy') {
    const bound = snappyMaxCompressedLength(body.length);
    if (compressScratch.length < bound) compressScratch = new Uint8Array(bound);
    stored = snappyCompress(body, compressScratch);
  }
  const header = new ThriftCompactWriter(64);
  header.i32(1, type).i32(2, body.length).i32(3, stored.length);
  if (type === PageType.DATA_PAGE) {
    header.struct(5).i32(1, numValues).i32(2, encoding).i32(3, Encoding.RLE).i32(4, Encoding.RLE).end();
  } else {
    header.struct(7).i32(1, numValues).i32(2, encoding).end();
  }
  header.end();
  const headerBytes = header.finish();
  out.append(headerBytes);
  out.append(stored);
  return headerBytes.length + body.length;
}

function dictionarySize(offsets: Int32Array): number {
  return offsets.length - 1;
}

/** PLAIN BYTE_ARRAY: each (non-null) value as a 4-byte little-endian length and its bytes. */
function plainByteArrays(offsets: Int32Array, data: Uint8Array, validity: Uint8Array | undefined, count: number): Uint8Array {
  let size = 0;
  for (let i = 0; i < count; i++) if (isValid(validity, i)) size += 4 + offsets[i + 1]! - offsets[i]!;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (!isValid(validity, i)) continue;
    const from = offsets[i]!;
    const length = offsets[i + 1]! - from;
    view.setUint32(at, length, true);
    bytes.set(data.subarray(from, from + length), at + 4);
    at += 4 + length;
  }
  return bytes;
}

/** The bytes of the non-null values, in order: the values' own memory when nothing is null. */
function nonNullValueBytes(values: Float64Array | Float32Array | Int32Array | BigInt64Array, validity: Uint8Array | undefined, rows: number, nullCount: number): Uint8Array {
  const width = values.BYTES_PER_ELEMENT;
  const all = new Uint8Array(values.buffer, values.byteOffset, rows * width);
  if (nullCount === 0) return all;
  const bytes = new Uint8Array((rows - nullCount) * width);
  let at = 0;
  for (let i = 0; i < rows; i++) {
    if (!isValid(validity, i)) continue;
    bytes.set(all.subarray(i * width, (i + 1) * width), at);
    at += width;
  }
  return bytes;
}

/** The RLE/bit-packed hybrid definition levels: 1 for a value, 0 for a null. */
function definitionLevels(validity: Uint8Array | undefined, rows: number, nullCount: number): Uint8Array {
  if (nullCount === 0 || validity === undefined) return rleRun(1, rows, 1);
  const levels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) levels[i] = (validity[i >> 3]! >> (i & 7)) & 1;
  return encodeHybrid(levels, rows, 1);
}

/** RLE_DICTIONARY data: the bit width, then the indices of the non-null values as a hybrid run. */
function dictionaryIndices(indices: Int32Array, validity: Uint8Array | undefined, rows: number, nullCount: number, dictionaryLength: number): Uint8Array {
  let values = indices;
  if (nullCount > 0) {
    values = new Int32Array(rows - nullCount);
    let at = 0;
    for (let i = 0; i < rows; i++) if (isValid(validity, i)) values[at++] = indices[i]!;
  }
  const count = nullCount > 0 ? values.length : rows;
  for (let i = 0; i < count; i++) {
    const index = values[i]!;
    if (index < 0 || index >= dictionaryLength) throw new RangeError(`Dictionary index ${index} at row ${i} is outside the dictionary of ${dictionaryLength}`);
  }
  return hybridIndices(values, count, dictionaryLength);
}

/** The bit width byte, then the first `count` indices as an RLE/bit-packed hybrid run. */
function hybridIndices(indices: Int32Array, count: number, dictionaryLength: number): Uint8Array {
  const bitWidth = Math.max(1, 32 - Math.clz32(Math.max(0, dictionaryLength - 1)));
  const hybrid = encodeHybrid(indices, count, bitWidth);
  const bytes = new Uint8Array(1 + hybrid.length);
  bytes[0] = bitWidth;
  bytes.set(hybrid, 1);
  return bytes;
}

function rleRun(value: number, count: number, bitWidth: number): Uint8Array {
  const out = new GrowableBytes(16);
  out.varint(count * 2);
  for (let b = 0; b < Math.ceil(bitWidth / 8); b++) out.byte((value >>> (8 * b)) & 0xff);
  return out.view();
}

/**
 * The RLE/bit-packed hybrid encoding: runs of 8 or more equal values as RLE runs, everything else
 * bit-packed in groups of 8 (at most 63 groups per run, as parquet-mr writes them).
 */
export function encodeHybrid(values: Int32Array, count: number, bitWidth: number): Uint8Array {
  const out = new GrowableBytes(16 + Math.ceil((count * bitWidth) / 8) + Math.ceil(count / 504) * 2);
  const valueBytes = Math.ceil(bitWidth / 8);
  let i = 0;
  while (i < count) {
    const run = runLength(values, i, count);
    if (run >= 8) {
      out.varint(run * 2);
      const value = values[i]!;
      for (let b = 0; b < valueBytes; b++) out.byte((value >>> (8 * b)) & 0xff);
      i += run;
      continue;
    }
    const start = i;
    let groups = 0;
    while (i < count && groups < 63) {
      groups++;
      i += 8;
      if (i < count && runLength(values, i, count) >= 8) break;
    }
    const end = Math.min(i, count);
    i = end;
    out.varint(groups * 2 + 1);
    bitPack(values, start, end, groups * 8, bitWidth, out);
  }
  return out.view();
}

function runLength(values: Int32Array, from: number, count: number): number {
  const value = values[from]!;
  let end = from + 1;
  while (end < count && values[end] === value) end++;
  return end - from;
}

/** LSB-first bit packing of values[from..to), padded with zeros to `padded` values. */
function bitPack(values: Int32Array, from: number, to: number, padded: number, bitWidth: number, out: GrowableBytes): void {
  if (bitWidth <= 24) {
    // The accumulator holds < 8 leftover bits plus one value of ≤ 24 bits: it fits in 32. Bytes go
    // straight into the output's array (a call per byte measured ~3× slower for dictionary indices).
    const bytes = out.reserve(Math.ceil((padded * bitWidth) / 8));
    let at = out.length;
    const real = to - from;
    let buffer = 0;
    let bits = 0;
    for (let k = 0; k < padded; k++) {
      const value = k < real ? values[from + k]! : 0;
      buffer |= value << bits;
      bits += bitWidth;
      while (bits >= 8) {
        bytes[at++] = buffer;
        buffer >>>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) bytes[at++] = buffer;
    out.length = at;
    return;
  }
  // Wider values are fed 16 bits at a time so that the float accumulator stays exact.
  let buffer = 0;
  let bits = 0;
  for (let k = 0; k < padded; k++) {
    let rest = from + k < to ? values[from + k]! >>> 0 : 0;
    let remaining = bitWidth;
    while (remaining > 0) {
      const take = Math.min(16, remaining);
      buffer += (rest & ((1 << take) - 1)) * 2 ** bits;
      rest = Math.floor(rest / 2 ** take);
      bits += take;
      remaining -= take;
      while (bits >= 8) {
        out.byte(buffer & 0xff);
        buffer = Math.floor(buffer / 256);
        bits -= 8;
      }
    }
  }
  if (bits > 0) out.byte(buffer & 0xff);
}

function statistics(kind: ParquetColumnKind, bytes: Uint8Array): { min?: Uint8Array; max?: Uint8Array } {
  if (bytes.length === 0) return {};
  const buffer = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  if (kind === 'double' || kind === 'float') {
    const values =
      kind === 'double' ? new Float64Array(buffer.buffer, buffer.byteOffset, buffer.length / 8) : new Float32Array(buffer.buffer, buffer.byteOffset, buffer.length / 4);
    let min = Infinity;
    let max = -Infinity;
    let seen = false;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value !== value) continue;
      seen = true;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    if (!seen) return {};
    // The spec's rule for signed zeros: a zero minimum is written as -0, a zero maximum as +0.
    if (min === 0) min = -0;
    if (max === 0) max = 0;
    return kind === 'double'
      ? { min: new Uint8Array(Float64Array.of(min).buffer), max: new Uint8Array(Float64Array.of(max).buffer) }
      : { min: new Uint8Array(Float32Array.of(min).buffer), max: new Uint8Array(Float32Array.of(max).buffer) };
  }
  const words = new Int32Array(buffer.buffer, buffer.byteOffset, buffer.length / 4);
  if (kind === 'int32') {
    let min = words[0]!;
    let max = words[0]!;
    for (let i = 1; i < words.length; i++) {
      const value = words[i]!;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    return { min: new Uint8Array(Int32Array.of(min).buffer), max: new Uint8Array(Int32Array.of(max).buffer) };
  }
  // 64-bit integers compared as (signed high word, unsigned low word) pairs: no BigInt per value.
  let minIndex = 0;
  let maxIndex = 0;
  for (let i = 1; i < words.length / 2; i++) {
    if (compareInt64(words, i, minIndex) < 0) minIndex = i;
    if (compareInt64(words, i, maxIndex) > 0) maxIndex = i;
  }
  return { min: bytes.slice(minIndex * 8, minIndex * 8 + 8), max: bytes.slice(maxIndex * 8, maxIndex * 8 + 8) };
}

function compareInt64(words: Int32Array, a: number, b: number): number {
  const high = words[2 * a + 1]! - words[2 * b + 1]!;
  if (high !== 0) return high;
  return (words[2 * a]! >>> 0) - (words[2 * b]! >>> 0);
}

function isValid(validity: Uint8Array | undefined, index: number): boolean {
  return validity === undefined || ((validity[index >> 3]! >> (index & 7)) & 1) === 1;
}

function countSetBits(bitmap: Uint8Array, rows: number): number {
  let count = 0;
  const fullBytes = rows >> 3;
  for (let i = 0; i < fullBytes; i++) count += POPCOUNT[bitmap[i]!]!;
  for (let i = fullBytes * 8; i < rows; i++) count += (bitmap[i >> 3]! >> (i & 7)) & 1;
  return count;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, byte) => {
  let count = 0;
  for (let bits = byte; bits > 0; bits >>= 1) count += bits & 1;
  return count;
});

function estimateSize(columns: readonly ParquetColumnValues[], rows: number, codec: ParquetCodec): number {
  let size = 1024;
  for (const column of columns) {
    const raw =
      column.layout === 'fixed' ? column.values.byteLength : column.layout === 'utf8' ? column.data.byteLength + 4 * rows : Math.ceil(rows / 2) + column.dictionary.data.byteLength;
    size += 256 + (codec === 'snappy' ? snappyMaxCompressedLength(raw + 16) : raw + 16) + Math.ceil(rows / 8);
  }
  return size;
}

/** An append-only byte buffer that doubles when full. */
class GrowableBytes {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity: number, reuse?: Uint8Array) {
    this.bytes = reuse ?? new Uint8Array(Math.max(16, capacity));
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  append(chunk: Uint8Array): void {
    this.#ensure(chunk.length);
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** Room for `extra` more bytes; returns the array to write them into, from `length` on. */
  reserve(extra: number): Uint8Array {
    this.#ensure(extra);
    return this.bytes;
  }

  byte(value: number): void {
    this.#ensure(1);
    this.bytes[this.length++] = value;
  }

  u32(value: number): void {
    this.#ensure(4);
    this.bytes[this.length++] = value & 0xff;
    this.bytes[this.length++] = (value >>> 8) & 0xff;
    this.bytes[this.length++] = (value >>> 16) & 0xff;
    this.bytes[this.length++] = (value >>> 24) & 0xff;
  }

  varint(value: number): void {
    this.#ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.bytes[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.length++] = rest;
  }

  #ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}
