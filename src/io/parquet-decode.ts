import * as arrow from 'apache-arrow';
import { isUtf8 } from 'node:buffer';
import { PARQUET_CREATED_BY } from './parquet-encode.js';
import { snappyUncompress } from './snappy.js';
import { readUleb128 } from './uleb128.js';
import { ThriftCompactReader, type ThriftStruct, type ThriftValue } from './thrift-compact.js';

/**
 * A reader for the Parquet files our own encoder writes (parquet-encode.ts): the ingested parts,
 * the evaluation set, small tables. It exists for cold starts: parquet-wasm decodes any Parquet
 * file, but a process's first read through it pays for compiling its reader's wasm code and
 * Arrow IPC's reader (~50–90 ms in `mlops run pipeline_job`), for files of a few hundred rows.
 *
 * It reads only what that encoder writes — flat columns of DOUBLE, FLOAT, INT32, INT64 (also as
 * timestamps) and UTF8 BYTE_ARRAY; REQUIRED or OPTIONAL; data page v1 with PLAIN or RLE_DICTIONARY
 * values and RLE definition levels; uncompressed or snappy — and only from files whose footer
 * names our encoder. Anything else gives `undefined`, and the caller reads the file with
 * parquet-wasm, which remains the reader of record (and of errors): the result is the Arrow table
 * parquet-wasm gives for the same file (tested on both).
 */
export function decodeOwnParquet(bytes: Uint8Array): arrow.Table | undefined {
  const file = openOwnParquet(bytes);
  if (file === undefined) return undefined;
  const batches: arrow.RecordBatch[] = [];
  for (let group = 0; group < file.rowGroupRows.length; group++) {
    const batch = file.readRowGroup(group);
    if (batch === undefined) return undefined;
    batches.push(batch);
  }
  return batches.length === 0 ? new arrow.Table(file.schema) : new arrow.Table(file.schema, batches);
}

/** A file our encoder wrote, opened by its footer: its row groups are decoded one at a time, when read. */
export interface OwnParquetFile {
  /** The Arrow schema parquet-wasm gives the file. */
  schema: arrow.Schema;
  /** Rows per row group, in order. */
  rowGroupRows: number[];
  /**
   * One row group as one record batch; undefined when its pages do not decode as this subset
   * (damaged bytes): parquet-wasm then reads that row group, or says what is wrong.
   */
  readRowGroup(index: number): arrow.RecordBatch | undefined;
}

/** The footer of a file our encoder wrote (see decodeOwnParquet), or undefined for any other bytes. */
export function openOwnParquet(bytes: Uint8Array): OwnParquetFile | undefined {
  return unlessNotOurs(() => open(bytes));
}

function unlessNotOurs<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch (error) {
    // Bytes that do not decode as this subset: parquet-wasm reads them, or says what is wrong.
    if (error instanceof RangeError || error instanceof NotOurs) return undefined;
    throw error;
  }
}

class NotOurs extends Error {}

const PhysicalType = { INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;
const Codec = { UNCOMPRESSED: 0, SNAPPY: 1 } as const;
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;

interface Column {
  name: string;
  physical: number;
  nullable: boolean;
  type: arrow.DataType;
}

const utf8 = new TextDecoder();

function open(bytes: Uint8Array): OwnParquetFile {
  const length = bytes.length;
  if (length < 12 || !isMagic(bytes, 0) || !isMagic(bytes, length - 4)) throw new NotOurs();
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + length - 8, 4).getUint32(0, true);
  if (footerLength + 12 > length) throw new NotOurs();
  const footer = new ThriftCompactReader(bytes.subarray(length - 8 - footerLength, length - 8)).struct();
  const createdBy = footer.get(6);
  if (!(createdBy instanceof Uint8Array) || !isUtf8(createdBy) || utf8.decode(createdBy) !== PARQUET_CREATED_BY || footer.has(5)) throw new NotOurs();
  const columns = schemaColumns(list(footer.get(2)));
  const schema = new arrow.Schema(columns.map((column) => new arrow.Field(column.name, column.type, column.nullable)));
  const groups = list(footer.get(4)).map((value) => {
    const group = struct(value);
    const chunks = list(group.get(1)).map((chunk) => struct(struct(chunk).get(3)));
    if (chunks.length !== columns.length) throw new NotOurs();
    return { rows: int(group.get(3)), chunks };
  });
  return {
    schema,
    rowGroupRows: groups.map((group) => group.rows),
    readRowGroup: (index) =>
      unlessNotOurs(() => {
        const { rows, chunks } = groups[index]!;
        const children = columns.map((column, columnIndex) => decodeChunk(bytes, column, chunks[columnIndex]!, rows));
        return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }));
      }),
  };
}

function schemaColumns(elements: ThriftValue[]): Column[] {
  const [root, ...leaves] = elements.map(struct);
  if (root === undefined || int(root.get(5)) !== leaves.length) throw new NotOurs();
  return leaves.map((element) => {
    if (element.has(5)) throw new NotOurs(); // nested
    const nameBytes = binary(element.get(4));
    if (!isUtf8(nameBytes)) throw new NotOurs();
    const name = utf8.decode(nameBytes);
    const physical = int(element.get(1));
    const repetition = int(element.get(3));
    if (repetition !== Repetition.REQUIRED && repetition !== Repetition.OPTIONAL) throw new NotOurs();
    const logical = element.get(10) as ThriftStruct | undefined;
    return { name, physical, nullable: repetition === Repetition.OPTIONAL, type: arrowType(physical, logical) };
  });
}

/**
 * The Arrow type parquet-wasm (arrow-rs) gives each column of these files: no embedded Arrow
 * schema, so from the Parquet types. Built as Arrow's IPC reader builds them (`Float(DOUBLE)`, not
 * `Float64`): Arrow JS compares types by constructor too, and a `Float64` is not an IPC `Float`.
 */
function arrowType(physical: number, logical: ThriftStruct | undefined): arrow.DataType {
  switch (physical) {
    case PhysicalType.DOUBLE:
      if (logical !== undefined) throw new NotOurs();
      return new arrow.Float(arrow.Precision.DOUBLE);
    case PhysicalType.FLOAT:
      if (logical !== undefined) throw new NotOurs();
      return new arrow.Float(arrow.Precision.SINGLE);
    case PhysicalType.INT32:
      if (logical !== undefined) throw new NotOurs();
      return new arrow.Int(true, 32);
    case PhysicalType.INT64: {
      if (logical === undefined) return new arrow.Int(true, 64);
      const timestamp = logical.get(8) as ThriftStruct | undefined;
      if (timestamp === undefined || logical.size !== 1) throw new NotOurs();
      const unit = struct(timestamp.get(2));
      const utc = timestamp.get(1) === true;
      if (unit.has(1)) return new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, utc ? 'UTC' : null);
      if (unit.has(2)) return new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, utc ? 'UTC' : null);
      throw new NotOurs();
    }
    case PhysicalType.BYTE_ARRAY:
      if (logical === undefined || !logical.has(1) || logical.size !== 1) throw new NotOurs();
      return new arrow.Utf8();
    default:
      throw new NotOurs();
  }
}

/** One column chunk's pages → the column's Arrow data for the row group. */
function decodeChunk(bytes: Uint8Array, column: Column, meta: ThriftStruct, rows: number): arrow.Data {
  const codec = int(meta.get(4));
  if ((codec !== Codec.UNCOMPRESSED && codec !== Codec.SNAPPY) || int(meta.get(1)) !== column.physical || int(meta.get(5)) !== rows) throw new NotOurs();
  const validity = column.nullable ? new Uint8Array(rows) : undefined;
  const out = new ColumnValues(column, rows);
  let dictionary: PlainValues | undefined;
  let position = meta.has(11) ? int(meta.get(11)) : int(meta.get(9));
  let row = 0;
  while (row < rows) {
    const reader = new ThriftCompactReader(bytes, position);
    const header = reader.struct();
    const compressedSize = int(header.get(3));
    const uncompressedSize = int(header.get(2));
    const start = reader.position;
    if (start + compressedSize > bytes.length) throw new RangeError('page past the end of the file');
    const stored = bytes.subarray(start, start + compressedSize);
    const page = codec === Codec.SNAPPY ? snappyUncompress(stored, uncompressedSize) : stored;
    position = start + compressedSize;
    const type = int(header.get(1));
    if (type === PageType.DICTIONARY_PAGE) {
      const dictionaryHeader = struct(header.get(7));
      const encoding = int(dictionaryHeader.get(2));
      if (encoding !== Encoding.PLAIN && encoding !== Encoding.PLAIN_DICTIONARY) throw new NotOurs();
      dictionary = readPlain(page, 0, column.physical, int(dictionaryHeader.get(1)));
      continue;
    }
    if (type !== PageType.DATA_PAGE) throw new NotOurs();
    const dataHeader = struct(header.get(5));
    const count = int(dataHeader.get(1));
    if (count > rows - row) throw new RangeError('page holds more values than the row group');
    let offset = 0;
    let present = count;
    if (validity !== undefined) {
      if (int(dataHeader.get(3)) !== Encoding.RLE) throw new NotOurs();
      const levelsLength = new DataView(page.buffer, page.byteOffset, page.byteLength).getUint32(0, true);
      const levels = decodeHybrid(page.subarray(4, 4 + levelsLength), 1, count);
      present = 0;
      for (let i = 0; i < count; i++) {
        validity[row + i] = levels[i]!;
        present += levels[i]!;
      }
      offset = 4 + levelsLength;
    }
    const encoding = int(dataHeader.get(2));
    let values: PlainValues;
    if (encoding === Encoding.PLAIN) {
      values = readPlain(page, offset, column.physical, present);
    } else if (encoding === Encoding.RLE_DICTIONARY || encoding === Encoding.PLAIN_DICTIONARY) {
      if (dictionary === undefined) throw new RangeError('dictionary-encoded page without a dictionary');
      const indices = present === 0 ? new Int32Array(0) : decodeHybrid(page.subarray(offset + 1), page[offset]!, present);
      values = takeFromDictionary(dictionary, indices);
    } else {
      throw new NotOurs();
    }
    out.place(values, validity, row, count);
    row += count;
  }
  return out.finish(validity);
}

/** PLAIN-decoded values: numbers in a typed array, strings as their byte ranges in `bytes`. */
type PlainValues =
  | { kind: 'fixed'; values: Float64Array | Float32Array | Int32Array | BigInt64Array }
  | { kind: 'bytes'; bytes: Uint8Array; starts: Int32Array; lengths: Int32Array };

function readPlain(page: Uint8Array, offset: number, physical: number, count: number): PlainValues {
  const width = physical === PhysicalType.DOUBLE || physical === PhysicalType.INT64 ? 8 : 4;
  if (physical === PhysicalType.BYTE_ARRAY) {
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    const starts = new Int32Array(count);
    const lengths = new Int32Array(count);
    let position = offset;
    for (let i = 0; i < count; i++) {
      const length = view.getUint32(position, true);
      starts[i] = position + 4;
      lengths[i] = length;
      position += 4 + length;
      if (position > page.length) throw new RangeError('BYTE_ARRAY value past the end of its page');
    }
    return { kind: 'bytes', bytes: page, starts, lengths };
  }
  if (offset + count * width > page.length) throw new RangeError('values past the end of their page');
  // A copy into an aligned buffer: the page's offset need not be a multiple of the width.
  const aligned = page.slice(offset, offset + count * width).buffer;
  switch (physical) {
    case PhysicalType.DOUBLE:
      return { kind: 'fixed', values: new Float64Array(aligned) };
    case PhysicalType.FLOAT:
      return { kind: 'fixed', values: new Float32Array(aligned) };
    case PhysicalType.INT32:
      return { kind: 'fixed', values: new Int32Array(aligned) };
    case PhysicalType.INT64:
      return { kind: 'fixed', values: new BigInt64Array(aligned) };
    default:
      throw new NotOurs();
  }
}

function takeFromDictionary(dictionary: PlainValues, indices: Int32Array): PlainValues {
  const size = dictionary.kind === 'fixed' ? dictionary.values.length : dictionary.starts.length;
  for (let i = 0; i < indices.length; i++) if (indices[i]! >= size) throw new RangeError('dictionary index out of range');
  if (dictionary.kind === 'fixed') {
    const source = dictionary.values;
    const values = new (source.constructor as new (length: number) => typeof source)(indices.length);
    for (let i = 0; i < indices.length; i++) values[i] = source[indices[i]!]!;
    return { kind: 'fixed', values };
  }
  const starts = new Int32Array(indices.length);
  const lengths = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    starts[i] = dictionary.starts[indices[i]!]!;
    lengths[i] = dictionary.lengths[indices[i]!]!;
  }
  return { kind: 'bytes', bytes: dictionary.bytes, starts, lengths };
}

/** A column's values over a row group, filled page by page; nulls hold 0 (numbers) or nothing (strings). */
class ColumnValues {
  readonly #column: Column;
  readonly #rows: number;
  #fixed: Float64Array | Float32Array | Int32Array | BigInt64Array | undefined;
  readonly #offsets: Int32Array | undefined;
  #data: Uint8Array;
  #dataLength = 0;

  constructor(column: Column, rows: number) {
    this.#column = column;
    this.#rows = rows;
    this.#offsets = column.physical === PhysicalType.BYTE_ARRAY ? new Int32Array(rows + 1) : undefined;
    this.#data = new Uint8Array(0);
  }

  place(values: PlainValues, validity: Uint8Array | undefined, row: number, count: number): void {
    let next = 0;
    if (values.kind === 'fixed') {
      this.#fixed ??= new (values.values.constructor as new (length: number) => Float64Array)(this.#rows) as typeof values.values;
      const target = this.#fixed as Float64Array;
      const source = values.values as Float64Array;
      for (let i = 0; i < count; i++) if (validity === undefined || validity[row + i] === 1) target[row + i] = source[next++]!;
      return;
    }
    const offsets = this.#offsets!;
    let total = this.#dataLength;
    for (let i = 0; i < values.lengths.length; i++) total += values.lengths[i]!;
    if (total > this.#data.length) {
      const grown = new Uint8Array(Math.max(total, this.#data.length * 2));
      grown.set(this.#data.subarray(0, this.#dataLength));
      this.#data = grown;
    }
    for (let i = 0; i < count; i++) {
      if (validity === undefined || validity[row + i] === 1) {
        const start = values.starts[next]!;
        const length = values.lengths[next++]!;
        this.#data.set(values.bytes.subarray(start, start + length), this.#dataLength);
        this.#dataLength += length;
      }
      offsets[row + i + 1] = this.#dataLength;
    }
  }

  finish(validity: Uint8Array | undefined): arrow.Data {
    const rows = this.#rows;
    let nullCount = 0;
    let nullBitmap: Uint8Array | undefined;
    if (validity !== undefined) {
      for (let i = 0; i < rows; i++) nullCount += 1 - validity[i]!;
      if (nullCount > 0) {
        nullBitmap = new Uint8Array(Math.ceil(rows / 64) * 8);
        for (let i = 0; i < rows; i++) if (validity[i] === 1) nullBitmap[i >> 3]! |= 1 << (i & 7);
      }
    }
    const type = this.#column.type;
    if (this.#offsets !== undefined) {
      // Strings are checked once, whole: arrow-rs rejects invalid UTF-8 in a UTF8 column, and
      // parquet-wasm then says so.
      if (!isUtf8(this.#data.subarray(0, this.#dataLength))) throw new NotOurs();
      return arrow.makeData({ type: type as arrow.Utf8, length: rows, nullCount, nullBitmap, valueOffsets: this.#offsets, data: this.#data.slice(0, this.#dataLength) });
    }
    const data = this.#fixed ?? new (emptyArrayType(this.#column.physical))(rows);
    return arrow.makeData({ type: type as arrow.Float64, length: rows, nullCount, nullBitmap, data: data as Float64Array });
  }
}

function emptyArrayType(physical: number): new (length: number) => Float64Array | Float32Array | Int32Array | BigInt64Array {
  switch (physical) {
    case PhysicalType.DOUBLE:
      return Float64Array;
    case PhysicalType.FLOAT:
      return Float32Array;
    case PhysicalType.INT32:
      return Int32Array;
    default:
      return BigInt64Array;
  }
}

/**
 * Parquet's RLE/bit-packed hybrid: `count` values of `bitWidth` bits (definition levels,
 * dictionary indices). Throws a RangeError when the runs end before `count` values.
 */
export function decodeHybrid(bytes: Uint8Array, bitWidth: number, count: number): Int32Array {
  if (bitWidth > 32) throw new RangeError(`bit width ${bitWidth}`);
  const out = new Int32Array(count);
  const byteWidth = Math.ceil(bitWidth / 8);
  let position = 0;
  let filled = 0;
  while (filled < count) {
    const run = readUleb128(bytes, position);
    const header = run.value;
    position = run.next;
    if (header % 2 === 0) {
      const runLength = header / 2;
      if (position + byteWidth > bytes.length) throw new RangeError('hybrid RLE value past the end');
      let value = 0;
      for (let i = 0; i < byteWidth; i++) value += bytes[position++]! * 2 ** (8 * i);
      const end = Math.min(count, filled + runLength);
      out.fill(value, filled, end);
      filled = end;
    } else {
      const values = ((header - 1) / 2) * 8;
      const groupBytes = ((header - 1) / 2) * bitWidth;
      if (position + groupBytes > bytes.length) throw new RangeError('hybrid bit-packed run past the end');
      const mask = bitWidth === 32 ? 0xffffffff : (1 << bitWidth) - 1;
      let bit = position * 8;
      for (let i = 0; i < values && filled < count; i++) {
        let value = 0;
        for (let b = 0; b < bitWidth; b++, bit++) value |= ((bytes[bit >> 3]! >> (bit & 7)) & 1) << b;
        out[filled++] = value & mask;
      }
      position += groupBytes;
    }
  }
  return out;
}

function isMagic(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
}

function int(value: ThriftValue | undefined): number {
  if (typeof value !== 'number') throw new NotOurs();
  return value;
}

function binary(value: ThriftValue | undefined): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new NotOurs();
  return value;
}

function list(value: ThriftValue | undefined): ThriftValue[] {
  if (!Array.isArray(value)) throw new NotOurs();
  return value;
}

function struct(value: ThriftValue | undefined): ThriftStruct {
  if (!(value instanceof Map)) throw new NotOurs();
  return value;
}
